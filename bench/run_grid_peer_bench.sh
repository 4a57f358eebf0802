#!/usr/bin/env bash
# `rateopt grid` against price-contour (Lagrangian dual decomposition, Rust core) on the same scored grids:
#   bash bench/run_grid_peer_bench.sh --quick                  # N = 1e4, K = 11/41, a minute or two
#   bash bench/run_grid_peer_bench.sh                          # N = 1e5 and 1e6, K = 11, 41, 101
#   bash bench/run_grid_peer_bench.sh --sizes 1000000 --k 41 --repeats 2 --timeout 900
# Makes price-contour's virtual environment outside the repository (RATEOPT_GRID_PEER_VENV, default
# ~/.cache/rateopt/grid-peer-venv) with the exact pins of tools/peer/grid_requirements.txt, builds rateopt if
# needed, and writes bench/results/grid_peer_<date>.md and .json.  Options: bench/grid_peer_bench.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${RATEOPT_GRID_PEER_VENV:-$HOME/.cache/rateopt/grid-peer-venv}"
source bench/peer_venv.sh
peer_venv_ready "$venv" tools/peer/grid_requirements.txt
exec "$venv/bin/python" bench/grid_peer_bench.py --rateopt build/rateopt "$@"
