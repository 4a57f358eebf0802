# Sourced by the peer benchmarks (run_peer_bench.sh, run_grid_peer_bench.sh), from the repository root:
#   peer_venv_ready VENV REQUIREMENTS
# makes the peer's virtual environment VENV outside the repository with the exact pins of REQUIREMENTS, and
# builds rateopt if needed.
peer_venv_ready() {
  local venv="$1" requirements="$2"
  if [ ! -x "$venv/bin/python" ]; then
    command -v python3 >/dev/null || apt-get install -y python3 python3-venv
    python3 -m venv "$venv" || { apt-get install -y python3-venv && python3 -m venv "$venv"; }
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  [ -x build/rateopt ] || bash scripts/setup.sh
  cmake --build build --target rateopt -j"$(nproc)" >/dev/null
}
