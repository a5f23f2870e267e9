#!/usr/bin/env bash
# Writes the clips of the predict throughput benchmark (README, "Measured"): N clips (default 1000) of 2-8 s under
# OUTDIR/spkNN/, synthesised by sox (a sawtooth voice with a tremolo, mixed with pink noise) in the formats a folder
# of recordings mixes: half 16 kHz WAV, 20 % 22.05 kHz WAV, 10 % 44.1 kHz stereo WAV, 20 % 44.1 kHz MP3.
# Deterministic for a given N (durations and pitches from bash's RANDOM seeded with 0).
set -euo pipefail
out="${1:?usage: make-clips.sh OUTDIR [N]}"
n="${2:-1000}"
RANDOM=0
for ((i = 0; i < n; i++)); do
  seconds=$(printf '%d.%03d' $((2 + RANDOM % 6)) $((RANDOM % 1000)))
  f0=$((90 + RANDOM % 170))
  tremolo=$((2 + RANDOM % 5))
  case $((i % 10)) in
    0|1|2|3|4) rate=16000; channels=1; ext=wav; bits=(-b 16) ;;
    5|6)       rate=22050; channels=1; ext=wav; bits=(-b 16) ;;
    7)         rate=44100; channels=2; ext=wav; bits=(-b 16) ;;
    *)         rate=44100; channels=1; ext=mp3; bits=() ;;
  esac
  dir="$out/spk$(printf '%02d' $((i % 20)))"
  mkdir -p "$dir"
  sox -n -r "$rate" -c "$channels" "${bits[@]}" "$dir/clip$(printf '%04d' "$i").$ext" \
    synth "$seconds" sawtooth "$f0" pinknoise mix tremolo "$tremolo" 60 vol 0.3
done
echo "wrote $n clips under $out"
