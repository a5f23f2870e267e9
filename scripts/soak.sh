#!/usr/bin/env bash
# A long soak of `emolingua serve` on loopback: scripts/soak.sh [REQUESTS] [LOG.csv]   (default 10000, build/soak.csv)
# Runs ServeSoakTests (the same mix as ./test.sh's bounded run: good WAV/MP3 clips, junk, truncated and overflowing
# files, cut multipart bodies, too-long audio, uploads aborted mid-body; 4 clients) with REQUESTS requests, writing the
# server's RSS and open descriptors every 250 requests to LOG.csv, and checks the same end state (RSS within 50 MB of
# the warm-up, descriptors back to baseline, no temporary file left, only documented statuses). Stops by itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests="${1:-10000}"
log="$(realpath -m "${2:-$root/build/soak.csv}")"
mkdir -p "$(dirname "$log")"
cd "$root"
nice -n 19 dotnet build Emolingua.slnx -c Release -nologo -v quiet >&2
echo "soak.sh: $requests requests; RSS and descriptors in $log" >&2
set +e
EMOLINGUA_SOAK_REQUESTS="$requests" EMOLINGUA_SOAK_LOG="$log" nice -n 19 \
  dotnet test Emolingua.slnx -c Release --no-build -nologo --filter "FullyQualifiedName~Edge.ServeSoakTests" 2>&1 | grep -E "Passed|Failed|Error Message|RSS|descriptors|answers" -A1
status=${PIPESTATUS[0]}
set -e
cat "$log"
exit "$status"
