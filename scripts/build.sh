#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds xfed with g++ into build/ (binaries in build/bin).
#   scripts/build.sh              everything
#   scripts/build.sh xfed xfedctl only these targets
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ >/dev/null
if [[ $# -gt 0 ]]; then
  cmake --build build -j "$jobs" --target "$@"
else
  cmake --build build -j "$jobs"
fi
