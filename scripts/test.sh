#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, build with ASan+UBSan, start a
# throw-away PostgreSQL on a loopback port, run every unit, API and Python test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
cmake --preset asan >/dev/null
cmake --build --preset asan
# shellcheck source=tests/pg_env.sh
source tests/pg_env.sh
pg_start
trap pg_stop EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
cd build/asan
ctest --output-on-failure -j2 --timeout 900
