#!/usr/bin/env bash
# Installs the Debian packages Emolingua's commands and tests call out to, when they are missing.
#   espeak-ng: speaks the stand-in corpora (synth, demo)   ffmpeg: MP3 encoding for the Common Voice stand-in,
#   and decoding of formats other than WAV/MP3              sox, libsox-fmt-mp3: reference resampler and MP3 encoder
#   used by the tests
# Messages go to stderr so that commands printing JSON keep a clean stdout.
# Extra package names given as arguments are installed too (test.sh passes the ones only the tests need).
set -euo pipefail
command -v dotnet >/dev/null 2>&1 || { echo "emolingua: the .NET 10 SDK is required (dotnet not found on PATH)" >&2; exit 1; }
missing=()
for pkg in espeak-ng ffmpeg sox libsox-fmt-mp3 "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
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
