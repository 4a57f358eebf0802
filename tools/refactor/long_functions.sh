#!/usr/bin/env bash
# Functions longer than a limit (default 120 lines, first line to closing brace) under the given
# folders (default host/), longest first, as "lines file:line name".  Needs Universal Ctags.
#   tools/refactor/long_functions.sh            # host/
#   tools/refactor/long_functions.sh 80 host/sweeps include
set -euo pipefail
limit=${1:-120}
shift || true
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- host
find "$@" \( -name '*.cpp' -o -name '*.hpp' -o -name '*.cu' -o -name '*.cuh' \) -print0 |
  xargs -0 ctags --languages=C++ --map-C++=+.cu --map-C++=+.cuh --kinds-C++=f --fields=+ne -o - |
  awk -F'\t' -v limit="$limit" '
    $1 !~ /^__anon/ {  # lambdas count as part of the function around them
      line = ""; end = ""
      for (i = 4; i <= NF; ++i) {
        if ($i ~ /^line:/) line = substr($i, 6)
        if ($i ~ /^end:/) end = substr($i, 5)
      }
      if (line != "" && end != "" && end - line + 1 > limit) printf "%d %s:%d %s\n", end - line + 1, $2, line, $1
    }' |
  sort -rn
