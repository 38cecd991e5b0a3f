#!/usr/bin/env bash
# Starts the real FluxDesk under Xvfb with a fresh home (so it opens on the
# demo model), types a prompt, presses Ctrl+Enter and saves screenshots of
# the window idle, during generation and after, into OUTDIR.
#   scripts/screenshots.sh [OUTDIR]   (default: build/screenshots)
# FLUXDESK_BIN picks the binary (default: build/release/app/fluxdesk).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/build/screenshots}")"
app="$(realpath -m "${FLUXDESK_BIN:-$root/build/release/app/fluxdesk}")"
[ -x "$app" ] || { echo "no $app: build first (cmake --preset release && cmake --build --preset release) or set FLUXDESK_BIN" >&2; exit 1; }
mkdir -p "$out"
home="$(mktemp -d)"
display=":$((90 + RANDOM % 100))"
cleanup() { kill "${app_pid:-}" "${xvfb_pid:-}" 2>/dev/null || true; rm -rf "$home"; }
trap cleanup EXIT

Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display" HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share"
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

"$app" >"$out/app.log" 2>&1 &
app_pid=$!
win="$(xdotool search --sync --onlyvisible --name '^FluxDesk$' | head -1)"
xdotool windowsize "$win" 1400 900 windowmove "$win" 0 0 windowfocus --sync "$win"
sleep 2
import -window root "$out/1-idle.png"

xdotool type --delay 20 "a lighthouse on a cliff at dusk, oil painting"
xdotool key ctrl+Return
sleep 1.5
import -window root "$out/2-generating.png"

library="$home/Pictures/FluxDesk"
for _ in $(seq 600); do
  ls "$library"/*.png >/dev/null 2>&1 && break
  sleep 0.5
done
sleep 1.5
import -window root "$out/3-done.png"
echo "screenshots in $out: $(ls "$out"/*.png | xargs -n1 basename | tr '\n' ' ')"
