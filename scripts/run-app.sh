#!/usr/bin/env bash
# Installs what is missing, builds FluxDesk and starts it. With no FLUX
# weights configured it opens on the built-in demo model.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/install-deps.sh"
# LibTorch (PyPI's CUDA-enabled torch wheel) and the Python test clients,
# pinned in packaging/python-requirements.txt, linked as .venv.
"$root/scripts/install-python-env.sh"
cmake --preset release
cmake --build --preset release -j "$(nproc)" --target fluxdesk fluxdesk-cli
exec "$root/build/release/app/fluxdesk" "$@"
