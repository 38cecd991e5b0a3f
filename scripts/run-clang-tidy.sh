#!/usr/bin/env bash
# Runs clang-tidy with .clang-tidy's checks over FluxDesk's translation units,
# as build/release's compile_commands.json compiles them (build first).
#   (no option)  the product's torch-free units (core/, ui/, app/ but the
#                LibTorch engine; about 130, some 15 minutes of CPU);
#   --product    every unit of the product, the LibTorch engine's included
#                (each of those parses LibTorch's headers: about 35 s each);
#   --all        that and the tests (over an hour on two cores).
# GCC's precompiled header (cmake_pch.hxx.gch) is no use to clang: the units
# that use it are given a copy of cmake_pch.hxx with no .gch beside it, in a
# compile database of their own ($build/clang-tidy-db).
# A unit found clean before is not checked again while its preprocessed text
# (its own code and every header it includes, comments and line numbers
# included, the checkout's path taken out), its flags, .clang-tidy and
# clang-tidy's version are the same: the
# marks live in $FLUXDESK_TIDY_CACHE (default ~/.cache/fluxdesk/clang-tidy;
# "off" checks every unit). Only clean results are remembered.
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
db="$build/clang-tidy-db"
mkdir -p "$db"
cache="${FLUXDESK_TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fluxdesk/clang-tidy}"
[ "$cache" = off ] || mkdir -p "$cache"

# Our own sources (not moc output or generated files in the build folder),
# one line "KEY PATH" each, KEY naming what clang-tidy would read.
mapfile -t units < <(python3 - "$root" "$build" "$scope" "$db" <<'PY'
import concurrent.futures, hashlib, json, os, re, shlex, shutil, subprocess, sys
root, build, scope, db = sys.argv[1:5]
entries = []
for entry in json.load(open(f"{build}/compile_commands.json")):
    path = entry["file"]
    if "command" not in entry:
        entry["command"] = shlex.join(entry.pop("arguments", []))
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
    command = re.sub(r"-include (\S*/cmake_pch\.hxx)", copy_pch, command)
    entry["command"] = command.replace(" -Winvalid-pch", "")
    entries.append(entry)
with open(f"{db}/compile_commands.json", "w") as f:
    json.dump(entries, f, indent=1)

# The key: the unit as the compiler's preprocessor sees it, its flags,
# .clang-tidy and clang-tidy's version, with the checkout's path replaced so
# that a fresh clone elsewhere finds the same keys. Comments and line markers
# stay in (-C, no -P): a NOLINT is a comment, and NOLINTNEXTLINE and the
# findings themselves go by line.
def read(path):
    with open(path, "rb") as f:
        return f.read()
common = subprocess.run(["clang-tidy", "--version"], capture_output=True).stdout
common += read(os.path.join(root, ".clang-tidy"))
def key(entry):
    args = shlex.split(entry["command"])
    if "-o" in args:
        i = args.index("-o")
        del args[i:i + 2]
    args = [a for a in args if a != "-c"] + ["-E", "-C"]
    run = subprocess.run(args, cwd=entry["directory"], capture_output=True)
    if run.returncode != 0:
        return "uncached"  # clang-tidy will say what is wrong
    flags = " ".join(a for a in args if a.startswith(("-D", "-std", "-f", "-W")))
    text = common + flags.encode() + b"\0" + run.stdout
    return hashlib.sha256(text.replace(root.encode(), b"<root>")).hexdigest()
firsts = {}
for entry in entries:
    firsts.setdefault(entry["file"], entry)
with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
    for path, k in zip(firsts, pool.map(key, firsts.values())):
        print(k, path)
PY
)

files=() keys=() cached=0
for unit in "${units[@]}"; do
  key="${unit%% *}"
  if [ "$cache" != off ] && [ "$key" != uncached ] && [ -e "$cache/$key" ]; then
    cached=$((cached + 1))
  else
    files+=("${unit#* }")
    keys+=("$key")
  fi
done
echo "run-clang-tidy: ${#units[@]} translation units ($scope), $cached unchanged since a clean check"
[ "${#units[@]}" -gt 0 ] || { echo "run-clang-tidy: no translation units found" >&2; exit 2; }
if [ "${#files[@]}" -gt 0 ]; then
  "$tidy_runner" -quiet -p "$db" -j "$(nproc)" "${files[@]}" >"$build/clang-tidy.log" 2>&1 && status=0 || status=$?
  # The findings, once each, without the colour codes run-clang-tidy adds.
  sed 's/\x1b\[[0-9;]*m//g' "$build/clang-tidy.log" | grep -E "(warning|error): " |
    grep -v "warnings generated" | sort -u || true
  if [ "$status" -ne 0 ]; then
    echo "run-clang-tidy: findings above (full output: $build/clang-tidy.log)" >&2
    exit 1
  fi
  if [ "$cache" != off ]; then
    for key in "${keys[@]}"; do
      [ "$key" = uncached ] || : >"$cache/$key"
    done
    find "$cache" -type f -mtime +60 -delete 2>/dev/null || true  # marks of code long gone
  fi
fi
echo "run-clang-tidy: clean"
