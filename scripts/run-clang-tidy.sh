#!/usr/bin/env bash
# Runs clang-tidy with .clang-tidy's checks over FluxDesk's translation units,
# as build/release's compile_commands.json compiles them (build first).
#   (no option)  the product's torch-free units (core/, ui/, app/ but the
#                LibTorch engine; about 130, some 15 minutes of CPU);
#   --product    every unit of the product, the LibTorch engine's included
#                (each of those parses LibTorch's headers: about a minute each);
#   --all        that and the tests (over an hour on two cores).
# GCC's precompiled header (cmake_pch.hxx.gch) is no use to clang: the units
# that use it are given a copy of cmake_pch.hxx with no .gch beside it, in a
# compile database of their own ($build/clang-tidy-db).
# FLUXDESK_TIDY_BUILD names another build folder. Exit 1 on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FLUXDESK_TIDY_BUILD:-$root/build/release}"
scope=torch-free
case "${1:-}" in
  "") ;;
  --product) scope=product ;;
  --all) scope=all ;;
  *) echo "usage: run-clang-tidy.sh [--product | --all]" >&2; exit 2 ;;
esac
tidy_runner="$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)"
if [ -z "$tidy_runner" ] || ! command -v clang-tidy >/dev/null; then
  echo "run-clang-tidy: clang-tidy is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "run-clang-tidy: no $build/compile_commands.json; configure and build first" >&2
  exit 2
fi
build="$(cd "$build" && pwd)"  # absolute: the copied header is named from it
# Our own sources (not moc output or generated files in the build folder).
db="$build/clang-tidy-db"
mkdir -p "$db"
mapfile -t files < <(python3 - "$root" "$build" "$scope" "$db" <<'PY'
import json, os, re, shutil, sys
root, build, scope, db = sys.argv[1:5]
seen, entries = set(), []
for entry in json.load(open(f"{build}/compile_commands.json")):
    path = entry["file"]
    if "command" not in entry:
        entry["command"] = " ".join(entry.get("arguments", []))
        entry.pop("arguments", None)
    command = entry["command"]
    if not path.startswith(root + "/") or path.startswith(build + "/"):
        continue
    rel = path[len(root) + 1:]
    top = rel.split("/")[0]
    if top not in ("core", "ui", "app", "tests") or not rel.endswith(".cpp"):
        continue
    if scope != "all" and top == "tests":
        continue
    if scope == "torch-free" and "torch/include" in command:
        continue
    # -include .../<target>.dir/cmake_pch.hxx -> a copy without the .gch.
    def copy_pch(match):
        header = match.group(1)
        target = os.path.basename(os.path.dirname(header))
        copy = os.path.join(db, target + ".cmake_pch.hxx")
        shutil.copyfile(header, copy)
        return "-include " + copy
    entry["command"] = re.sub(r"-include (\S*/cmake_pch\.hxx)", copy_pch, command)
    entry["command"] = entry["command"].replace(" -Winvalid-pch", "")
    entries.append(entry)
    if path not in seen:
        seen.add(path)
        print(path)
json.dump(entries, open(f"{db}/compile_commands.json", "w"), indent=1)
PY
)
echo "run-clang-tidy: ${#files[@]} translation units ($scope)"
"$tidy_runner" -quiet -p "$db" -j "$(nproc)" "${files[@]}" > "$build/clang-tidy.log" 2>&1 && status=0 || status=$?
# The findings, once each, without the colour codes run-clang-tidy adds.
sed 's/\x1b\[[0-9;]*m//g' "$build/clang-tidy.log" | grep -E "(warning|error): " |
  grep -v "warnings generated" | sort -u || true
if [ "$status" -ne 0 ]; then
  echo "run-clang-tidy: findings above (full output: $build/clang-tidy.log)" >&2
  exit 1
fi
echo "run-clang-tidy: clean"
