#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds xfed with g++ into build/ (binaries in build/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ >/dev/null
cmake --build build -j "$jobs" "$@"
