#!/usr/bin/env bash
# Installs what is missing, builds FluxDesk and runs the whole test suite.
# This is the README's test command and what CI runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/install-deps.sh"
# LibTorch (PyPI's CUDA-enabled torch wheel) and the Python test clients,
# pinned in packaging/python-requirements.txt, linked as .venv.
"$root/scripts/install-python-env.sh"
jobs="$(nproc)"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs" "$@"
# The same Qt-free and service suites again under ASan + UBSan.
"$root/scripts/run-sanitized-tests.sh" "$@"
