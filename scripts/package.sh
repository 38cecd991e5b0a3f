#!/usr/bin/env bash
# Builds a release of FluxDesk (preset "package": build/package, prefix /usr)
# and its Debian packages with CPack:
#   build/packages/fluxdesk_<version>_<arch>.deb        the application, fluxdesk-cli,
#                                                        LibTorch's CPU libraries (runs on the CPU)
#   build/packages/fluxdesk-cuda_<version>_<arch>.deb   LibTorch's CUDA backend and NVIDIA's CUDA
#                                                        libraries (runs on an NVIDIA GPU)
# What goes where: cmake/FluxDeskPackaging.cmake. Install with
#   sudo apt install ./build/packages/fluxdesk_<version>_<arch>.deb [./build/packages/fluxdesk-cuda_...deb]
#
#   scripts/package.sh [--cpu-only] [-j N]
#     --cpu-only  only the fluxdesk package (fluxdesk-cuda takes minutes to compress: ~3 GB of libraries)
#     -j N        build jobs (default: one per core)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cpu_only=0
jobs="$(nproc)"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-only) cpu_only=1; shift ;;
    -j) jobs="$2"; shift 2 ;;
    -j*) jobs="${1#-j}"; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

"$root/scripts/install-deps.sh"
# LibTorch (PyPI's CUDA-enabled torch wheel), linked as .venv: its libraries
# are what the packages carry.
"$root/scripts/install-python-env.sh"
cmake --preset package
cmake --build --preset package -j "$jobs" --target fluxdesk_package_inputs

out="$root/build/packages"
mkdir -p "$out"
cpack_args=(--config "$root/build/package/CPackConfig.cmake" -B "$out")
[ "$cpu_only" = 1 ] && cpack_args+=(-D CPACK_COMPONENTS_ALL=main)
cpack "${cpack_args[@]}"
rm -rf "$out/_CPack_Packages"  # the staging copies (GBs)

for deb in "$out"/*.deb; do
  printf '%s: %s MB, %s MB installed\n' "$deb" "$(du -m "$deb" | cut -f1)" \
    "$(( $(dpkg-deb -f "$deb" Installed-Size) / 1024 ))"
done
