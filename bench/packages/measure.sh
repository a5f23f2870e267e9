#!/usr/bin/env bash
# Sizes of the packages and of the QuickStart sample's publish folder, and cold start (process start -> first label)
# and peak RSS of the sample (Emolingua.Runtime + ONNX Runtime on the exported model) against
# `emolingua predict` on the run folder (TorchSharp), in alternating pairs.
#   bench/packages/measure.sh RUN_DIR [CLIP.wav]        (PAIRS defaults to 5)
# Packs into a temporary feed and builds the sample there, outside the repository; removes it at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PAIRS="${PAIRS:-5}"
[ $# -ge 1 ] || { sed -n 2,6p "$0"; exit 2; }
run_dir="$(cd "$1" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
clip="${2:-$work/clip.wav}"
[ -f "$clip" ] || sox -n -r 16000 -c 1 -b 16 "$clip" synth 9 sine 180:260 vol 0.3

"$root/emolingua" --version >/dev/null                       # builds when stale
dotnet build "$root/Emolingua.slnx" -c Release -nologo -v quiet >/dev/null
for p in Emolingua.Runtime Emolingua Emolingua.Tool; do
  dotnet pack "$root/src/$p/$p.csproj" -c Release --no-build -o "$work/feed" -nologo -v quiet >/dev/null
done
"$root/emolingua" export --model "$run_dir" --out "$work/model.onnx" >/dev/null

mkdir -p "$work/app"
cp "$root/samples/QuickStart/QuickStart.csproj" "$root/samples/QuickStart/Program.cs" "$work/app/"
cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$work/packages" /></config>
  <packageSources><add key="emolingua-feed" value="$work/feed" /></packageSources>
  <fallbackPackageFolders><add key="user-cache" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" /></fallbackPackageFolders>
</configuration>
XML
(cd "$work/app" && dotnet publish -c Release -o "$work/app/publish" -nologo -v quiet >/dev/null)
(cd "$work/app" && dotnet publish -c Release -r linux-x64 --self-contained false -o "$work/app/publish-linux-x64" -nologo -v quiet >/dev/null)

echo "packages:"
for f in "$work"/feed/*; do printf '  %-40s %8.1f MB\n' "$(basename "$f")" "$(echo "$(stat -c %s "$f") / 1000000" | bc -l)"; done
printf 'sample publish folder: %.1f MB, %d files\n' "$(echo "$(du -sb "$work/app/publish" | cut -f1) / 1000000" | bc -l)" "$(find "$work/app/publish" -type f | wc -l)"
printf 'sample publish folder for linux-x64 only (-r linux-x64 --self-contained false): %.1f MB\n' "$(echo "$(du -sb "$work/app/publish-linux-x64" | cut -f1) / 1000000" | bc -l)"
if find "$work/app/publish" -iname '*torch*' -o -name 'libc10*' | grep -q .; then echo "sample publish folder holds TorchSharp/libtorch files" >&2; exit 1; fi
printf 'CLI build output (for comparison): %.1f MB\n' "$(echo "$(du -sb "$root/src/Emolingua.Cli/bin/Release/net10.0" | cut -f1) / 1000000" | bc -l)"

cli="$root/src/Emolingua.Cli/bin/Release/net10.0/Emolingua.Cli.dll"
a=(dotnet "$work/app/publish/QuickStart.dll" "$work/model.onnx" "$clip")
b=(dotnet "$cli" predict --model "$run_dir" "$clip")
results=()
for ((i = 1; i <= PAIRS; i++)); do
  echo "pair $i/$PAIRS, load: $(uptime | sed 's/.*load average: //')" >&2
  results+=("$( { /usr/bin/time -f '%e %M' "${a[@]}" >/dev/null; } 2>&1 | tail -1)")
  results+=("$( { /usr/bin/time -f '%e %M' "${b[@]}" >/dev/null; } 2>&1 | tail -1)")
done
python3 - "${results[@]}" <<'PY'
import statistics, sys
runs = [tuple(map(float, r.split())) for r in sys.argv[1:]]
a, b = runs[0::2], runs[1::2]
print(f"cold start, process start to first label (s): sample (runtime, ONNX) median {statistics.median(x[0] for x in a):.2f}, "
      f"predict (TorchSharp) median {statistics.median(x[0] for x in b):.2f}, "
      f"ratio median {statistics.median(x[0] / y[0] for x, y in zip(a, b)):.3f} over {len(a)} pairs")
print(f"peak RSS (MB): sample median {statistics.median(x[1] for x in a) / 1024:.0f}, predict median {statistics.median(x[1] for x in b) / 1024:.0f}")
PY
