#!/usr/bin/env bash
# One coverage-guided fuzzing campaign of one parser: scripts/fuzz.sh TARGET [MINUTES]   (default 5 minutes)
#   TARGET: wav mp3 audio safetensors model-json onnx recipe predict-list upload (tests/Emolingua.Fuzz/FuzzTargets.cs)
# Installs what it needs (Debian afl++, the SharpFuzz.CommandLine dotnet tool into build/tools/), publishes the
# harness, instruments Emolingua*.dll and NLayer.dll with SharpFuzz, and runs afl-fuzz (AFL_SKIP_BIN_CHECK=1: the
# target is `dotnet`, not an instrumented binary) from tests/fuzz/seeds/TARGET/ with a 2 s timeout per input, under
# nice. Findings go to build/fuzz/TARGET/findings/; each crash or hang is minimised with afl-tmin into
# tests/fuzz/crashes/TARGET/ (replayed by ./test.sh: FuzzCrashReplayTests). Prints afl's summary at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:?usage: scripts/fuzz.sh TARGET [MINUTES]}"
minutes="${2:-5}"
seeds="$root/tests/fuzz/seeds/$target"
[ -d "$seeds" ] || { echo "fuzz.sh: no seeds for target '$target' ($seeds)" >&2; exit 2; }

"$root/scripts/ensure-deps.sh" afl++
tools="$root/build/tools/sharpfuzz"
[ -x "$tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >&2

work="$root/build/fuzz/$target"
bin="$root/build/fuzz/bin"
mkdir -p "$work"
# One published, instrumented copy for every target (instrumentation does not depend on the target), rebuilt when a
# source is newer; under a lock, so that two campaigns starting together do not publish over each other.
(
  flock 9
  if [ ! -f "$bin/.instrumented" ] || [ "$0" -nt "$bin/.instrumented" ] \
     || [ -n "$(find "$root/src" "$root/tests/Emolingua.Fuzz" -name '*.cs' -newer "$bin/.instrumented" -print -quit)" ]; then
    rm -rf "$bin"
    # Its own artifacts folder: publishing never touches the obj/ and bin/ of a build running beside it.
    nice -n 19 dotnet publish "$root/tests/Emolingua.Fuzz/Emolingua.Fuzz.csproj" -c Release -o "$bin" --artifacts-path "$root/build/fuzz/artifacts" -nologo -v quiet >&2
    # Emolingua.Runtime.dll holds the audio readers, the ONNX engine and predict's lists: without it afl sees no edges.
    for dll in "$bin"/Emolingua.Runtime.dll "$bin"/Emolingua.dll "$bin"/Emolingua.Server.dll "$bin"/NLayer.dll; do
      echo "fuzz.sh: instrumenting $(basename "$dll")" >&2
      "$tools/sharpfuzz" "$dll" >&2
    done
    touch "$bin/.instrumented"
  fi
) 9>"$root/build/fuzz/.publish.lock"

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
# A hard heap limit turns an allocation bomb into an OutOfMemoryException (a crash) instead of a swapping machine.
export DOTNET_GCHeapHardLimit=0x40000000 DOTNET_TieredPGO=0
findings="$work/findings"
rm -rf "$findings"
echo "fuzz.sh: $target for $minutes min (findings in $findings)" >&2
set +e
nice -n 19 afl-fuzz -i "$seeds" -o "$findings" -t 2000 -m none -V $((minutes * 60)) -- dotnet "$bin/Emolingua.Fuzz.dll" "$target" > "$work/afl.log" 2>&1
status=$?
set -e
stats="$findings/default/fuzzer_stats"
[ -f "$stats" ] || { tail -30 "$work/afl.log" >&2; echo "fuzz.sh: afl-fuzz exited $status without stats" >&2; exit 1; }
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|edges_found|total_edges|saved_crashes|saved_hangs|bitmap_cvg)' "$stats"

# Minimise each crash and hang into tests/fuzz/crashes/TARGET/ (named by content hash, so reruns do not duplicate).
out="$root/tests/fuzz/crashes/$target"
for kind in crashes hangs; do
  for f in "$findings/default/$kind"/id:*; do
    [ -f "$f" ] || continue
    tmp="$work/tmin.bin"
    # In the work folder: afl-tmin leaves its .afl-tmin-temp-* files in the current directory.
    if ! (cd "$work" && nice -n 19 afl-tmin -i "$f" -o "$tmp" -t 5000 -m none -- dotnet "$bin/Emolingua.Fuzz.dll" "$target" >/dev/null 2>&1); then cp "$f" "$tmp"; fi
    mkdir -p "$out"
    name="$([ "$kind" = crashes ] && echo crash || echo hang)-$(sha1sum "$tmp" | cut -c1-12)"
    cp "$tmp" "$out/$name"
    echo "fuzz.sh: $kind: $(basename "$f") -> tests/fuzz/crashes/$target/$name"
  done
done
