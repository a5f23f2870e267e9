#!/usr/bin/env bash
# Installs the Debian packages Emolingua's commands and tests call out to, when they are missing.
#   espeak-ng: speaks the stand-in corpora (synth, demo)   ffmpeg: MP3 encoding for the Common Voice stand-in,
#   and decoding of formats other than WAV/MP3              sox: reference resampler used by the tests
# Messages go to stderr so that commands printing JSON keep a clean stdout.
set -euo pipefail
missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v dotnet >/dev/null 2>&1 || { echo "emolingua: the .NET 10 SDK is required (dotnet not found on PATH)" >&2; exit 1; }
[ ${#missing[@]} -eq 0 ] && exit 0
echo "emolingua: installing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "emolingua: please install as root: apt-get install -y ${missing[*]}" >&2; exit 1
  fi
fi
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
