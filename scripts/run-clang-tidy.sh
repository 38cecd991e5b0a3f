#!/usr/bin/env bash
# Runs clang-tidy with .clang-tidy's checks over FluxDesk's translation units,
# as build/release's compile_commands.json compiles them (build first).
# Default: the product's torch-free ones (core/, ui/, app/ but the LibTorch
# engine; about 130, some 15 minutes of CPU). --all adds the tests and the
# translation units that include torch (each of those parses LibTorch's
# headers: over an hour on two cores).
# FLUXDESK_TIDY_BUILD names another build folder. Exit 1 on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FLUXDESK_TIDY_BUILD:-$root/build/release}"
all=0
[ "${1:-}" = "--all" ] && all=1
tidy_runner="$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)"
if [ -z "$tidy_runner" ] || ! command -v clang-tidy >/dev/null; then
  echo "run-clang-tidy: clang-tidy is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "run-clang-tidy: no $build/compile_commands.json; configure and build first" >&2
  exit 2
fi
# Our own sources (not moc output or generated files in the build folder).
mapfile -t files < <(python3 - "$root" "$build" "$all" <<'PY'
import json, sys
root, build, everything = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
seen = set()
for entry in json.load(open(f"{build}/compile_commands.json")):
    path = entry["file"]
    command = entry.get("command") or " ".join(entry.get("arguments", []))
    if not path.startswith(root + "/") or path.startswith(build + "/"):
        continue
    rel = path[len(root) + 1:]
    top = rel.split("/")[0]
    if top not in ("core", "ui", "app", "tests") or not rel.endswith(".cpp"):
        continue
    if not everything and ("torch/include" in command or top == "tests"):
        continue
    if path not in seen:
        seen.add(path)
        print(path)
PY
)
echo "run-clang-tidy: ${#files[@]} translation units ($([ $all = 1 ] && echo all || echo "torch-free, product"))"
"$tidy_runner" -quiet -p "$build" -j "$(nproc)" "${files[@]}" > "$build/clang-tidy.log" 2>&1 && status=0 || status=$?
# The findings, once each, without the colour codes run-clang-tidy adds.
sed 's/\x1b\[[0-9;]*m//g' "$build/clang-tidy.log" | grep -E "(warning|error): " |
  grep -v "warnings generated" | sort -u || true
if [ "$status" -ne 0 ]; then
  echo "run-clang-tidy: findings above (full output: $build/clang-tidy.log)" >&2
  exit 1
fi
echo "run-clang-tidy: clean"
