#!/usr/bin/env bash
# rateopt against the peer (insurance-optimise, scipy SLSQP), side by side in one run:
#   bash bench/run_peer_bench.sh                       # N = 500…5000 both, 1e5…1e7 rateopt alone
#   bash bench/run_peer_bench.sh --sizes 500,1000 --big 100000 --frontier-size 0 --timeout 300
# Makes the peer's virtual environment outside the repository (RATEOPT_PEER_VENV, default
# ~/.cache/rateopt/peer-venv) with the exact pins of tools/peer/requirements.txt, builds rateopt if
# needed, and writes bench/results/peer_<date>.md and .json.  Options: python3 bench/peer_bench.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${RATEOPT_PEER_VENV:-$HOME/.cache/rateopt/peer-venv}"
source bench/peer_venv.sh
peer_venv_ready "$venv" tools/peer/requirements.txt
exec "$venv/bin/python" bench/peer_bench.py --rateopt build/rateopt "$@"
