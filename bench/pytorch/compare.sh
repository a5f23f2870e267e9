#!/usr/bin/env bash
# Run an Emolingua bench and its PyTorch twin in alternating pairs with the same arguments; print each pair's ratio
# and the median ratio (pairing keeps a ratio meaningful when the machine's speed drifts during the call).
#   bench/pytorch/compare.sh logmel --batch 64 --seconds 4 [--threads 2]
#   PAIRS=5 bench/pytorch/compare.sh encoder --size small --mode train --batch 8 --seconds 4
# EMOLINGUA (default: <repo>/emolingua) is called as "$EMOLINGUA bench <args>"; PYTHON defaults to /usr/bin/python3;
# PAIRS (default 3) is the number of A-B pairs. Both sides print one JSON line {"what", "median_ms", "min_ms",
# "peak_rss_mb", ...} (the last such line is used); the last output line is a JSON summary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
EMOLINGUA="${EMOLINGUA:-$root/emolingua}"
PYTHON="${PYTHON:-/usr/bin/python3}"
PAIRS="${PAIRS:-3}"
[ $# -ge 1 ] || { sed -n 2,8p "$0"; exit 2; }

cpu_flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512f|avx512_bf16|amx_bf16|avx_vnni|avx512_vnni)$' | tr '\n' ' ')"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), flags: ${cpu_flags}" >&2
outputs=()
for ((i = 1; i <= PAIRS; i++)); do
  echo "pair $i/$PAIRS, load: $(uptime | sed 's/.*load average: //')" >&2
  outputs+=("$("$EMOLINGUA" bench "$@")")
  outputs+=("$("$PYTHON" "$here/bench.py" "$@")")
done
"$PYTHON" - "${outputs[@]}" <<'PY'
import json, statistics, sys
def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit("no JSON line in output:\n" + text)
runs = [last_json(t) for t in sys.argv[1:]]
pairs = list(zip(runs[0::2], runs[1::2]))
for cs, py in pairs:
    if cs.get("what") != py.get("what"):
        print(f"warning: 'what' differs: {cs.get('what')!r} vs {py.get('what')!r}", file=sys.stderr)
    print(f"emolingua {json.dumps(cs)}")
    print(f"pytorch   {json.dumps(py)}")
ratios = [cs["median_ms"] / py["median_ms"] for cs, py in pairs]
summary = {"what": pairs[0][1].get("what"), "pairs": len(pairs),
           "emolingua_median_ms": statistics.median(cs["median_ms"] for cs, _ in pairs),
           "pytorch_median_ms": statistics.median(py["median_ms"] for _, py in pairs),
           "ratios": [round(r, 3) for r in ratios], "ratio_median": round(statistics.median(ratios), 3)}
if all("peak_rss_mb" in cs and "peak_rss_mb" in py for cs, py in pairs):
    summary["emolingua_peak_rss_mb"] = max(cs["peak_rss_mb"] for cs, _ in pairs)
    summary["pytorch_peak_rss_mb"] = max(py["peak_rss_mb"] for _, py in pairs)
print(json.dumps(summary))
PY
