#!/usr/bin/env bash
# Creates (or reuses) the virtual environment holding LibTorch (PyPI's torch
# wheel, CUDA build) and the Python test clients, pinned in
# packaging/python-requirements.txt, and links it as .venv in the checkout,
# where CMake looks for LibTorch.
#
# The environment itself lives in a per-user cache folder keyed by a hash of
# the requirements file, so fresh clones of the same revision reuse it
# (a multi-GB download otherwise) and a changed pin gets a new one:
#   ${FLUXDESK_PYENV_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/fluxdesk/pyenv}/<hash>
# pip's own cache is kept (pip's default location), so even a new hash reuses
# downloaded wheels.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reqs="$root/packaging/python-requirements.txt"
key="$(sha256sum "$reqs" | cut -c1-16)"
base="${FLUXDESK_PYENV_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/fluxdesk/pyenv}"
env_dir="$base/$key"
python="${FLUXDESK_PYTHON:-python3}"

if [ ! -f "$env_dir/.complete" ]; then
  echo "install-python-env: creating $env_dir (LibTorch and test clients, several GB on first use)"
  rm -rf "$env_dir"
  mkdir -p "$base"
  "$python" -m venv "$env_dir"
  "$env_dir/bin/python" -m pip install --quiet --upgrade pip
  "$env_dir/bin/python" -m pip install --progress-bar off -r "$reqs"
  touch "$env_dir/.complete"
else
  echo "install-python-env: reusing $env_dir"
fi
ln -sfn "$env_dir" "$root/.venv"
"$root/.venv/bin/python" - <<'PY'
import torch
print(f"install-python-env: torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"cmake prefix {torch.utils.cmake_prefix_path}")
PY
