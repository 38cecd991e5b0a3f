#!/usr/bin/env bash
# Installs what is missing, builds FluxDesk and runs the whole test suite.
# This is the README's test command and what CI runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/install-deps.sh"
# The API tests drive the server with the official `openai` npm package.
if [ -f tests/api/js/package.json ]; then
  (cd tests/api/js && npm install --no-audit --no-fund --loglevel=error)
fi
jobs="$(nproc)"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs" "$@"
