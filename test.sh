#!/usr/bin/env bash
# Restores, builds and runs every Emolingua test. Installs the Debian packages the tests call (espeak-ng, ffmpeg, sox,
# and for the page tests chromium with chromium-driver; slurm-wlm + munge for the Slurm tests, which start their own
# cluster with scripts/slurm-local.sh; nodejs for the ONNX check against ONNX Runtime for Node.js).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
test_packages=(chromium chromium-driver slurm-wlm munge nodejs)
command -v npm >/dev/null 2>&1 || test_packages+=(npm)
"$root/scripts/ensure-deps.sh" "${test_packages[@]}"
echo "test.sh: restoring and building (Release)..."
dotnet build Emolingua.slnx -c Release -nologo -v quiet
echo "test.sh: checking the code habits (scripts/format.sh --check)..."
"$root/scripts/format.sh" --check
echo "test.sh: running tests..."
log="$(mktemp)"
set +e
dotnet test Emolingua.slnx -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI: "tests: N passed, N failed".
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed"
exit "$status"
