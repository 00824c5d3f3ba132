#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what the tests need, builds, and runs every test:
#   1. g++ build (build/): every unit and integration test through CTest;
#   2. clang 14 with ASan + UBSan (build-asan/): the unit tests again, and each libFuzzer target
#      for a short run from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
fuzz_seconds=${XFED_FUZZ_SECONDS:-20}

echo "== g++ build and all tests"
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 600)

echo "== clang 14 ASan+UBSan build: unit tests and fuzzers"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_C_COMPILER=clang-14 -DXFED_SANITIZE=ON -DXFED_FUZZ=ON -DXFED_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure --timeout 600 -L unit)
for fuzzer in tests/fuzz/corpus/*/; do
  name=$(basename "$fuzzer")
  work=$(mktemp -d)
  cp "$fuzzer"* "$work"/
  echo "-- fuzzing $name for ${fuzz_seconds}s"
  build-asan/bin/"$name" -max_total_time="$fuzz_seconds" -max_len=65536 -print_final_stats=1 \
    "$work" 2>&1 | tail -n 3
  rm -rf "$work"
done
echo "all tests passed"
