#!/usr/bin/env bash
# Run an Emolingua bench and its PyTorch twin back to back with the same arguments; print the ratio.
#   bench/pytorch/compare.sh logmel --batch 64 --seconds 4 [--threads 2]
#   bench/pytorch/compare.sh encoder --size small --mode train --batch 8 --seconds 4
# EMOLINGUA (default: <repo>/emolingua) is called as "$EMOLINGUA bench <args>"; PYTHON defaults to /usr/bin/python3.
# Both sides must print one JSON line {"what": ..., "median_ms": ..., "min_ms": ...} (the last such line is used).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
EMOLINGUA="${EMOLINGUA:-$root/emolingua}"
PYTHON="${PYTHON:-/usr/bin/python3}"
[ $# -ge 1 ] || { sed -n 2,6p "$0"; exit 2; }

echo "load: $(uptime | sed 's/.*load average/load average/')" >&2
cs_out="$("$EMOLINGUA" bench "$@")"
py_out="$("$PYTHON" "$here/bench.py" "$@")"
echo "load: $(uptime | sed 's/.*load average/load average/')" >&2
"$PYTHON" - "$cs_out" "$py_out" <<'PY'
import json, sys
def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit("no JSON line in output:\n" + text)
cs, py = last_json(sys.argv[1]), last_json(sys.argv[2])
if cs.get("what") != py.get("what"):
    print(f"warning: 'what' differs: {cs.get('what')!r} vs {py.get('what')!r}", file=sys.stderr)
print(f"emolingua {json.dumps(cs)}")
print(f"pytorch   {json.dumps(py)}")
print(json.dumps({"what": py.get("what"), "emolingua_median_ms": cs["median_ms"], "pytorch_median_ms": py["median_ms"],
                  "ratio_median": round(cs["median_ms"] / py["median_ms"], 3),
                  "ratio_min": round(cs["min_ms"] / py["min_ms"], 3)}))
PY
