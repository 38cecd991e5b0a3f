#!/usr/bin/env bash
# Fails (listing the files) when a C++ file of core/, ui/, app/ or tests/ is
# not laid out as .clang-format says. The format is clang-format 14's
# (Debian 12); `scripts/check-format.sh --fix` rewrites the files instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
mapfile -t files < <(find core ui app tests -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.cu' \) | sort)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
# One run over every file; each misformatted spot is reported as
# "FILE:LINE:COL: error: code should be clang-formatted".
status=0
report="$(clang-format --dry-run --Werror "${files[@]}" 2>&1)" || status=$?
mapfile -t bad < <(printf '%s\n' "$report" |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
if [ "$status" -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  printf '%s\n' "$report" >&2
  echo "check-format: clang-format failed (status $status)" >&2
  exit 2
fi
echo "check-format: ${#files[@]} files, ${#bad[@]} not formatted ($(clang-format --version))"
if [ ${#bad[@]} -gt 0 ]; then
  printf '  %s\n' "${bad[@]}"
  echo "run scripts/check-format.sh --fix" >&2
  exit 1
fi
