#!/usr/bin/env bash
# ctest packaging_deb (tests/packaging/CMakeLists.txt): FluxDesk installed
# from its .deb behaves like a desktop application.
#
#  1. builds the fluxdesk .deb from this build (target fluxdesk_test_deb:
#     CPack, the CPU package only, gzip);
#  2. checks `dpkg-deb -I` fields (name, version, architecture, Depends from
#     dpkg-shlibdeps, no CUDA) and that `dpkg-deb -c` lists only /usr paths,
#     with everything a desktop application needs;
#  3. unpacks it into a scratch root (dpkg -x) and checks every ELF file
#     there: RUNPATH only $ORIGIN-relative, ldd finds every library in the
#     package or the system, never in the build tree or the virtual
#     environment; validates the desktop entry, the AppStream metainfo, the
#     icons and the man pages (which must name every command and option of
#     the programs' --help);
#  4. runs the installed fluxdesk-cli (make-demo-model, generate a PNG that
#     decodes) and fluxdesk (offscreen, and under Xvfb when xvfb-run is
#     there, --quit-after) as a user whose XDG folders are empty, then checks
#     that settings, the demo model and the gallery went to the XDG folders
#     and that nothing was written beside the programs;
#  5. installs the .deb with dpkg into a scratch root with a database of its
#     own (dpkg --root; as root or not), checks dpkg's file list and that the
#     installed fluxdesk-cli runs, then purges it and checks that no file of
#     the package is left.
set -euo pipefail

build="" deb_dir="" src="" version="" site="" libdir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --deb-dir) deb_dir="$2"; shift 2 ;;
    --source-dir) src="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --site) site="$2"; shift 2 ;;
    --private-libdir) libdir="$2"; shift 2 ;;  # under /usr: cmake/FluxDeskInstallLayout.cmake
    *) echo "deb_test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -n "$libdir" ] || fail "usage: deb_test.sh ... --private-libdir lib/<triplet>/fluxdesk"
step() { echo "== $*"; }
# Paths that must never show up in what the installed files load.
forbidden=("$build")
for p in "$src/.venv" "$site"; do
  [ -n "$p" ] && [ -e "$p" ] && forbidden+=("$p" "$(realpath "$p")")
done
is_forbidden() {
  local path="$1" f
  for f in "${forbidden[@]}"; do [[ "$path" == "$f"/* ]] && return 0; done
  return 1
}

for tool in dpkg dpkg-deb dpkg-shlibdeps readelf ldd desktop-file-validate appstreamcli python3 man; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh (packaging/debian-packages.txt)"
done

scratch="$(mktemp -d)"
gui_pid=""
cleanup() { [ -n "$gui_pid" ] && kill "$gui_pid" 2>/dev/null; rm -rf "$scratch"; }
trap cleanup EXIT

# --- 1. the package ---------------------------------------------------------
step "building the .deb (cmake --build $build --target fluxdesk_test_deb)"
start=$SECONDS
cmake --build "$build" --target fluxdesk_test_deb >"$scratch/cpack.log" 2>&1 || { cat "$scratch/cpack.log"; fail "building the .deb"; }
arch="$(dpkg --print-architecture)"
deb="$deb_dir/fluxdesk_${version}_${arch}.deb"
[ -f "$deb" ] || { cat "$scratch/cpack.log"; fail "no $deb"; }
echo "built $(basename "$deb") in $((SECONDS - start)) s: $(du -m "$deb" | cut -f1) MB"

# --- 2. control fields and file list ---------------------------------------
step "dpkg-deb -I"
dpkg-deb -I "$deb"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = fluxdesk ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ "$(field Section)" = graphics ] || fail "Section: $(field Section)"
[[ "$(field Installed-Size)" =~ ^[0-9]+$ ]] || fail "Installed-Size: $(field Installed-Size)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
depends="$(field Depends)"
# From dpkg-shlibdeps: the C library, Qt, sentencepiece (the shim), curl (the hub client).
for pkg in libc6 libstdc++6 libqt6widgets6 libsentencepiece0 libcurl4; do
  [[ ", $depends," == *", $pkg "* || ", $depends," == *", $pkg,"* ]] || fail "Depends lacks $pkg: $depends"
done
[[ "$depends" != *cuda* && "$depends" != *nvidia* ]] || fail "the CPU package depends on CUDA: $depends"
# Every clause is met by a package installed on this (Debian 12) machine:
# what dpkg-shlibdeps wrote can be installed where the package was built.
# A clause: "name (op version)" alternatives separated by "|".
satisfied() {
  local alternative name op want have
  IFS='|' read -ra alternatives <<<"$1"
  for alternative in "${alternatives[@]}"; do
    read -r name op want <<<"$(sed -E 's/^ *([^ (]+) *(\(([<>=]+) *([^)]+)\))? *$/\1 \3 \4/' <<<"$alternative")"
    have="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null | sed -n 's/^install ok installed //p')"
    [ -n "$have" ] || continue
    [ -z "$op" ] && return 0
    dpkg --compare-versions "$have" "$(sed 's/^<<$/lt/; s/^<=$/le/; s/^=$/eq/; s/^>=$/ge/; s/^>>$/gt/' <<<"$op")" "$want" && return 0
  done
  return 1
}
IFS=',' read -ra clauses <<<"$depends"
for clause in "${clauses[@]}"; do
  satisfied "$clause" || fail "Depends: '$clause' is not met by this machine's packages"
done
echo "Depends: ${#clauses[@]} clauses, each met by an installed package"
# Its libraries are private (outside the dynamic loader's folders): no
# ldconfig, no maintainer scripts at all.
dpkg-deb -e "$deb" "$scratch/control"
for script in preinst postinst prerm postrm triggers; do
  [ ! -e "$scratch/control/$script" ] || fail "the package has a $script: $(cat "$scratch/control/$script")"
done
echo "Installed-Size: $(field Installed-Size) KiB"

step "dpkg-deb -c: only /usr paths"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$scratch/contents"
bad="$(grep -v -E '^/$|^/usr(/|$)' "$scratch/contents" || true)"
[ -z "$bad" ] || fail "paths outside /usr: $bad"
app_id=io.github.fluxdesk.FluxDesk
for path in /usr/bin/fluxdesk /usr/bin/fluxdesk-cli \
            /usr/$libdir/libfluxdesk_spm.so /usr/$libdir/libtorch_cpu.so /usr/$libdir/libc10.so \
            /usr/share/applications/$app_id.desktop /usr/share/metainfo/$app_id.metainfo.xml \
            /usr/share/icons/hicolor/scalable/apps/$app_id.svg \
            /usr/share/man/man1/fluxdesk.1.gz /usr/share/man/man1/fluxdesk-cli.1.gz \
            /usr/share/doc/fluxdesk/copyright /usr/share/doc/fluxdesk/licenses/torch/LICENSE; do
  grep -qxF "$path" "$scratch/contents" || fail "$path is not in the package"
done
for size in 16 22 24 32 48 64 128 256 512; do
  grep -qxF "/usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png" "$scratch/contents" || fail "no ${size}x${size} icon"
done
! grep -E '/lib(torch_cuda|c10_cuda|cudnn|cublas|nccl)[^/]*$' "$scratch/contents" || fail "CUDA libraries in the CPU package"

# --- 3. the unpacked files --------------------------------------------------
root="$scratch/root"
dpkg -x "$deb" "$root"
touch "$scratch/installed-stamp"
sleep 1

step "ELF files: RUNPATH and ldd"
elf_count=0
while IFS= read -r -d '' file; do
  [ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  elf_count=$((elf_count + 1))
  rel="${file#"$root"}"
  dynamic="$(readelf -d "$file")"
  runpath="$(sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p' <<<"$dynamic")"
  rpath="$(sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p' <<<"$dynamic")"  # some wheel libraries use the older tag
  case "$rel" in
    /usr/bin/*)
      [ "$runpath" = "\$ORIGIN/../$libdir" ] || fail "$rel RUNPATH '$runpath'"
      [ -z "$rpath" ] || fail "$rel has a DT_RPATH '$rpath'" ;;
    "/usr/$libdir"/*)
      for path in "$runpath" "$rpath"; do
        [[ -z "$path" || "$path" =~ ^\$\{?ORIGIN\}?$ ]] || fail "$rel RUNPATH/RPATH '$path'"
      done ;;
    *) fail "ELF file outside bin/ and $libdir: $rel" ;;
  esac
  # What the dynamic loader would load (no LD_LIBRARY_PATH).
  deps="$(env -u LD_LIBRARY_PATH ldd "$file" 2>&1)" || fail "ldd $rel: $deps"
  ! grep -q 'not found' <<<"$deps" || fail "$rel: $(grep 'not found' <<<"$deps")"
  while read -r lib; do
    lib="$(realpath -m "$lib")"
    is_forbidden "$lib" && fail "$rel loads $lib from the build tree or the virtual environment"
    [[ "$lib" == "$root/usr/$libdir"/* || "$lib" == /lib/* || "$lib" == /usr/lib/* || "$lib" == /lib64/* ]] ||
      fail "$rel loads $lib, outside the package and the system"
  done < <(sed -n 's/.*=> \(\/[^ ]*\) (0x.*/\1/p' <<<"$deps")
  # FluxDesk's own files name no file of the build tree (e.g. a compiled-in library path).
  case "$rel" in
    /usr/bin/*|*/libfluxdesk_*)
      ! grep -qaF "$build/" "$file" || fail "$rel contains the build folder's path $build" ;;
  esac
done < <(find "$root" -type f -print0)
[ "$elf_count" -ge 5 ] || fail "only $elf_count ELF files"
echo "$elf_count ELF files: RUNPATH \$ORIGIN-relative, every library from the package or the system"
ldd "$root/usr/bin/fluxdesk-cli" | grep -E 'torch|c10|fluxdesk|cuda|cupti' || true
! ldd "$root/usr/bin/fluxdesk-cli" | grep -qE 'libtorch_cuda|libc10_cuda' || fail "fluxdesk-cli links the CUDA backend"

step "desktop entry, AppStream metainfo, icons"
desktop-file-validate "$root/usr/share/applications/$app_id.desktop" || fail "desktop-file-validate"
grep -qx "Icon=$app_id" "$root/usr/share/applications/$app_id.desktop" || fail "the desktop entry's Icon is not $app_id"
grep -qx "Exec=fluxdesk" "$root/usr/share/applications/$app_id.desktop" || fail "the desktop entry's Exec is not fluxdesk"
appstreamcli validate --no-net "$root/usr/share/metainfo/$app_id.metainfo.xml" || fail "appstreamcli validate --no-net"
grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$root/usr/share/metainfo/$app_id.metainfo.xml" ||
  fail "the metainfo does not launch $app_id.desktop"

# PNG: signature, chunk CRCs, IHDR size, and the whole image inflated to the
# size its header promises. Prints "WIDTHxHEIGHT".
png_check() {
  python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
    assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind}"
    if kind == b"IHDR": ihdr = struct.unpack(">IIBBBBB", body)
    if kind == b"IDAT": idat += body
    pos += 12 + length
    if kind == b"IEND": break
w, h, depth, colour, _, _, interlace = ihdr
channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
assert interlace == 0 and depth == 8, "unexpected PNG layout"
raw = zlib.decompress(idat)
assert len(raw) == h * (1 + w * channels), f"{len(raw)} bytes of pixels for {w}x{h}x{channels}"
assert all(raw[r * (1 + w * channels)] <= 4 for r in range(h)), "bad filter byte"
print(f"{w}x{h}")
PY
}
for size in 16 22 24 32 48 64 128 256 512; do
  got="$(png_check "$root/usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png")" || fail "${size}x${size} icon does not decode"
  [ "$got" = "${size}x${size}" ] || fail "the ${size}x${size} icon is $got"
done

step "man pages"
for page in fluxdesk fluxdesk-cli; do
  file="$root/usr/share/man/man1/$page.1.gz"
  warnings="$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$file" 2>&1 >/dev/null)"
  [ -z "$warnings" ] || fail "man $page: $warnings"
  zcat "$file" >"$scratch/$page.1"
done

# --- 4. running the installed programs --------------------------------------
home="$scratch/home"
mkdir -p "$home"
run_env=(env -u LD_LIBRARY_PATH -u FLUXDESK_SPM_SHIM -u FLUXDESK_NO_CUDA -u HF_HOME -u HF_HUB_CACHE -u HF_TOKEN
         -u XDG_PICTURES_DIR -u XDG_RUNTIME_DIR
         HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share"
         XDG_CACHE_HOME="$home/.cache" LC_ALL=C.UTF-8)
cli="$root/usr/bin/fluxdesk-cli"
gui="$root/usr/bin/fluxdesk"

step "fluxdesk-cli --version, --help; every command and option is in man fluxdesk-cli"
"${run_env[@]}" "$cli" --version | tee "$scratch/version"
grep -qx "fluxdesk-cli $version" "$scratch/version" || fail "--version does not say $version"
grep -qx "CUDA backend: not installed" "$scratch/version" || fail "the CPU package finds a CUDA backend"
"${run_env[@]}" "$cli" --help >"$scratch/help"
commands="$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$scratch/help")"
[ "$(wc -w <<<"$commands")" -ge 6 ] || fail "fluxdesk-cli --help lists: $commands"
# The --options a help text names (not "--" inside words, as in models--org--name).
options_in() { grep -oE -- '(^|[^A-Za-z0-9-])--[a-z0-9][a-z0-9-]*' "$1" | sed 's/^.*--/--/' | sort -u; }
in_man() { grep -qF -- "$2" "$scratch/$1.1" || grep -qF -- "$(sed 's/-/\\-/g' <<<"$2")" "$scratch/$1.1"; }
for command in $commands; do
  in_man fluxdesk-cli "$command" || fail "man fluxdesk-cli does not document the command $command"
  "${run_env[@]}" "$cli" "$command" --help >"$scratch/help-$command" 2>&1 || true
  for option in $(options_in "$scratch/help-$command"); do
    in_man fluxdesk-cli "$option" || fail "man fluxdesk-cli does not document $command $option"
  done
done
"${run_env[@]}" "$gui" -platform offscreen --help >"$scratch/gui-help" 2>&1 || fail "fluxdesk --help"
for option in $(options_in "$scratch/gui-help"); do
  in_man fluxdesk "$option" || fail "man fluxdesk does not document $option"
done
"${run_env[@]}" "$gui" -platform offscreen --version | grep -q "$version" || fail "fluxdesk --version"

step "fluxdesk-cli make-demo-model and generate"
"${run_env[@]}" "$cli" make-demo-model "$scratch/demo"
"${run_env[@]}" "$cli" generate --model "$scratch/demo" --prompt "a red fox in snow" --size 256x256 --seed 7 \
  --device cpu -o "$scratch/out"
png="$(ls "$scratch"/out/*.png 2>/dev/null | head -1)"
[ -n "$png" ] || fail "generate wrote no PNG"
[ "$(png_check "$png")" = 256x256 ] || fail "$png is not a 256x256 PNG"
echo "generated $(basename "$png") (256x256, decodes)"

step "fluxdesk (offscreen) starts and quits"
"${run_env[@]}" timeout 180 "$gui" -platform offscreen --quit-after 3 >"$scratch/gui.log" 2>&1 ||
  { cat "$scratch/gui.log"; fail "fluxdesk -platform offscreen --quit-after 3 failed ($?)"; }
[ -f "$home/.config/FluxDesk/FluxDesk.conf" ] || fail "no settings in \$XDG_CONFIG_HOME/FluxDesk/FluxDesk.conf"
demo="$(find "$home/.local/share" -name model_index.json -path '*demo-model*' | head -1)"
[ -n "$demo" ] || fail "the demo model is not in \$XDG_DATA_HOME"
[ -d "$home/Pictures/FluxDesk" ] || fail "no gallery folder in the Pictures folder (\$HOME/Pictures/FluxDesk)"
echo "settings, demo model ($(dirname "${demo#"$home"/}")) and gallery in the XDG folders"

if command -v xvfb-run >/dev/null; then
  step "fluxdesk under Xvfb (xcb) starts and quits"
  "${run_env[@]}" timeout 180 xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$gui" --quit-after 3 >"$scratch/gui-x11.log" 2>&1 ||
    { cat "$scratch/gui-x11.log"; fail "fluxdesk under xvfb-run failed"; }
fi

step "nothing written beside the programs; what the user's folders hold"
written="$(find "$root" -newer "$scratch/installed-stamp" \( -type f -o -type d \) -print)"
[ -z "$written" ] || fail "written inside the installed tree: $written"
(cd "$home" && find . -maxdepth 4 | sort | sed 's/^/  /')

# --- 5. dpkg -i and dpkg -P --------------------------------------------------
step "dpkg -i into a scratch root, then dpkg -P"
droot="$scratch/dpkg-root"
mkdir -p "$droot/var/lib/dpkg/info" "$droot/var/lib/dpkg/updates"
touch "$droot/var/lib/dpkg/status"
# The scratch database holds no system packages: Depends were checked above.
in_droot=(dpkg --root="$droot" --log="$scratch/dpkg.log" --force-not-root --force-depends)
"${in_droot[@]}" -i "$deb" >"$scratch/dpkg-i.log" 2>&1 || { cat "$scratch/dpkg-i.log"; fail "dpkg -i"; }
[ "$(dpkg-query --admindir="$droot/var/lib/dpkg" -W -f='${Status}' fluxdesk)" = "install ok installed" ] ||
  fail "fluxdesk is not 'install ok installed' after dpkg -i"
dpkg-query --admindir="$droot/var/lib/dpkg" -L fluxdesk | sort >"$scratch/dpkg-list"
sed 's#/$##' "$scratch/contents" | grep -v -x -e '' -e '/' | sort >"$scratch/deb-list"
diff -u "$scratch/deb-list" "$scratch/dpkg-list" || fail "dpkg -L differs from dpkg-deb -c (above)"
"${run_env[@]}" "$droot/usr/bin/fluxdesk-cli" --version | grep -qx "fluxdesk-cli $version" || fail "the dpkg-installed fluxdesk-cli"
"${in_droot[@]}" -P fluxdesk >"$scratch/dpkg-P.log" 2>&1 || { cat "$scratch/dpkg-P.log"; fail "dpkg -P"; }
left="$(find "$droot" -mindepth 1 -not -path "$droot/var" -not -path "$droot/var/lib" -not -path "$droot/var/lib/dpkg*")"
[ -z "$left" ] || fail "left after dpkg -P fluxdesk: $left"
echo "installed $(wc -l <"$scratch/dpkg-list") paths, ran fluxdesk-cli, purged: nothing left"
echo "PASS"
