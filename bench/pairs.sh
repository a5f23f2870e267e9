#!/usr/bin/env bash
# Two `emolingua bench` lines in alternating pairs (A B A B ...); prints each pair's ratio A/B of "median_ms" (and of
# "cpu_ms" when both report it) and the medians. Pairing keeps a ratio meaningful when the machine's speed drifts.
#   bench/pairs.sh "encoder --size small --mode forward --batch 8 --seconds 4 --engine onnx" \
#                  "encoder --size small --mode forward --batch 8 --seconds 4"
# EMOLINGUA (default: <repo>/emolingua) is called as "$EMOLINGUA bench <args>" (EMOLINGUA_B, default EMOLINGUA,
# for the B side: e.g. a wrapper that sets MKL_ENABLE_INSTRUCTIONS=AVX2 to compare MKL code paths); PAIRS defaults to 3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EMOLINGUA="${EMOLINGUA:-$here/../emolingua}"
EMOLINGUA_B="${EMOLINGUA_B:-$EMOLINGUA}"
PAIRS="${PAIRS:-3}"
[ $# -eq 2 ] || { sed -n 2,8p "$0"; exit 2; }
read -r -a a_args <<<"$1"
read -r -a b_args <<<"$2"
outputs=()
for ((i = 1; i <= PAIRS; i++)); do
  echo "pair $i/$PAIRS, load: $(uptime | sed 's/.*load average: //')" >&2
  outputs+=("$("$EMOLINGUA" bench "${a_args[@]}" | grep '^{' | tail -1)")
  outputs+=("$("$EMOLINGUA_B" bench "${b_args[@]}" | grep '^{' | tail -1)")
done
/usr/bin/python3 - "${outputs[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(t) for t in sys.argv[1:]]
pairs = list(zip(runs[0::2], runs[1::2]))
for a, b in pairs:
    print(f"A {json.dumps(a)}")
    print(f"B {json.dumps(b)}")
summary = {"a": pairs[0][0]["what"], "b": pairs[0][1]["what"], "pairs": len(pairs),
           "a_median_ms": statistics.median(a["median_ms"] for a, _ in pairs),
           "b_median_ms": statistics.median(b["median_ms"] for _, b in pairs)}
ratios = [a["median_ms"] / b["median_ms"] for a, b in pairs]
summary["ratios"] = [round(r, 3) for r in ratios]
summary["ratio_median"] = round(statistics.median(ratios), 3)
if all("cpu_ms" in a and "cpu_ms" in b for a, b in pairs):
    summary["cpu_ratio_median"] = round(statistics.median(a["cpu_ms"] / b["cpu_ms"] for a, b in pairs), 3)
print(json.dumps(summary))
PY
