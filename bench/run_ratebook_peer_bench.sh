#!/usr/bin/env bash
# `rateopt ratebook` against price-contour's RatebookOptimiser on the same generated books:
#   nice -n 19 bash bench/run_ratebook_peer_bench.sh --sizes 100000            # N = 1e5, a few minutes
#   nice -n 19 bash bench/run_ratebook_peer_bench.sh                           # N = 1e5 and 1e6
# Makes price-contour's virtual environment outside the repository (RATEOPT_GRID_PEER_VENV, default
# ~/.cache/rateopt/grid-peer-venv, shared with the grid benchmark) with the exact pins of
# tools/peer/grid_requirements.txt, builds rateopt if needed, and writes bench/results/ratebook_peer_<date>.md
# and .json.  Options: bench/ratebook_peer_bench.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${RATEOPT_GRID_PEER_VENV:-$HOME/.cache/rateopt/grid-peer-venv}"
source bench/peer_venv.sh
peer_venv_ready "$venv" tools/peer/grid_requirements.txt
exec "$venv/bin/python" bench/ratebook_peer_bench.py --rateopt build/rateopt "$@"
