#!/usr/bin/env bash
# Install dependencies, build (release) and start dssd on the embedded defaults
# (data in ./dss-data, http://127.0.0.1:11200). Extra arguments go to dssd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec ./build/release/src/app/dssd "$@"
