#!/usr/bin/env bash
# Builds FluxDesk with AddressSanitizer and UndefinedBehaviorSanitizer (preset
# "sanitize", build/sanitize) and runs the Qt-free and service tests under
# them: every suite but the window's, the packaging and the AVX2 re-runs.
# scripts/run-tests.sh runs this after the normal suite, so CI does too.
# Extra arguments go to ctest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs="$(nproc)"
cmake --preset sanitize
cmake --build --preset sanitize -j "$jobs"
ctest --preset sanitize -j "$jobs" "$@"
