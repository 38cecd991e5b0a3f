#!/usr/bin/env bash
# Side-by-side CPU benchmark of FluxDesk and the official FLUX code on the
# same bench model (../shared/bench), one after the other in one run, so the
# ratios compare like with like. Prints both JSON results and the ratios.
#
#   scripts/bench-vs-reference.sh FLUX_SRC [MODEL_DIR] [SIZE] [STEPS] [THREADS]
#
# FLUX_SRC: the official repository's src/ folder (black-forest-labs/flux).
# Needs a built fluxdesk-cli (build/release) and .venv (install-python-env.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
flux_src="${1:?usage: bench-vs-reference.sh FLUX_SRC [MODEL_DIR] [SIZE] [STEPS] [THREADS]}"
model="${2:-/tmp/fluxdesk-benchmodel}"
size="${3:-512x512}"; steps="${4:-4}"; threads="${5:-2}"
py="$root/.venv/bin/python"
ref="$root/../shared/bench/bench_reference.py"
cli="$root/build/release/app/fluxdesk-cli"
[ -d "$model" ] || "$py" "$ref" --flux-src "$flux_src" --make-model "$model"
echo "== official code" >&2
official="$("$py" "$ref" --flux-src "$flux_src" --model "$model" --size "$size" --steps "$steps" --repeat 1 --threads "$threads" 2>/dev/null | tail -1)"
echo "$official"
for dtype in auto float32 bfloat16; do
  echo "== fluxdesk --dtype $dtype" >&2
  "$cli" bench --model "$model" --size "$size" --steps "$steps" --repeat 1 --threads "$threads" \
    --device cpu --dtype "$dtype" --json > "/tmp/fluxdesk-bench-$dtype.json"
  "$py" - "$official" "/tmp/fluxdesk-bench-$dtype.json" "$dtype" <<'PY'
import json, sys
ref = json.loads(sys.argv[1]); ours = json.load(open(sys.argv[2])); dtype = sys.argv[3]
steps = sum(s["mean"] for s in ours["step_seconds"])
total = steps + ours["decode_seconds"]["mean"]
rss = ours["memory"]["peak_rss_bytes"] / 1e9
print(json.dumps({"dtype": dtype, "chosen": ours["model"]["dtype"], "reason": ours["model"].get("dtype_reason"),
                  "denoise_s": round(steps, 2), "decode_s": round(ours["decode_seconds"]["mean"], 2),
                  "denoise_plus_decode_s": round(total, 2), "peak_rss_gb": round(rss, 2)}))
keys = [k for k in ref if "total" in k or "denoise" in k or "decode" in k or "rss" in k]
print("official:", {k: ref[k] for k in keys})
PY
done
