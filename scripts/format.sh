#!/usr/bin/env bash
# Applies the code habits of .editorconfig to the C# of the repository, or checks them (./test.sh runs --check).
#   scripts/format.sh           dotnet format style twice (var, naming, usings, namespaces), then CSharpier (layout, 120
#                               columns), then scripts/wrap-comments.pl (comments past 120 columns), then CSharpier
#                               again (it settles a few layouts only on a second pass)
#   scripts/format.sh --check   changes nothing; fails naming each file and rule: CSharpier check, dotnet format
#                               --verify-no-changes (whitespace and style), scripts/check-lines.pl (120 columns, 400
#                               lines; exemptions there)
#   scripts/format.sh --record-long-files   writes scripts/long-files.txt anew: the files now over 400 lines and their
#                               lengths (once, after a mass reformat; afterwards the list only shrinks)
# CSharpier lays the code out; `dotnet format whitespace` agrees with its layout given .editorconfig's settings (braces
# on multi-line bodies, case blocks not indented) and the check verifies both.
# CSharpier is a local tool (.config/dotnet-tools.json), restored here from NuGet on first use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
check=false
record=false
case "${1:-}" in
  --check) check=true ;;
  --record-long-files) record=true ;;
  "") ;;
  *) echo "usage: scripts/format.sh [--check | --record-long-files]" >&2; exit 2 ;;
esac

dotnet tool restore >/dev/null
limit=120
max_file_lines=400
mapfile -t code < <(git ls-files -- 'src/*.cs' 'tests/*.cs' 'samples/*.cs' 'build/*.cs')
mapfile -t checked < <(git ls-files -- 'src/*.cs' 'tests/*.cs')

if $record; then
  {
    echo "# C# files over $max_file_lines lines and their length: they may shrink, not grow (scripts/check-lines.pl)."
    echo "# Split them and remove their line; scripts/format.sh --record-long-files rewrites this list."
    wc -l "${checked[@]}" | awk -v max="$max_file_lines" '$2 != "total" && $1 > max { print $2, $1 }' | sort
  } > scripts/long-files.txt
  echo "format: scripts/long-files.txt lists $(grep -vc '^#' scripts/long-files.txt) files over $max_file_lines lines"
  exit 0
fi

if ! $check; then
  # Twice: the first pass leaves a few fixes (files linked into two projects, neighbouring fixes) to a second.
  dotnet format style Emolingua.slnx --severity warn -v quiet
  dotnet format style Emolingua.slnx --severity warn -v quiet
  dotnet csharpier format . >/dev/null
  perl scripts/wrap-comments.pl "$limit" "${code[@]}"
  dotnet csharpier format . >/dev/null
  echo "format: applied; scripts/format.sh --check verifies"
  exit 0
fi

status=0
dotnet csharpier check . >/dev/null 2>&1 || {
  echo "format: CSharpier would change these files (run scripts/format.sh):" >&2
  dotnet csharpier check . 2>&1 | grep -E '^Error ' | sed 's/^Error /  /' >&2 || true
  status=1
}
restored=()
[ -f src/Emolingua/obj/project.assets.json ] && [ -f tests/Emolingua.Tests/obj/project.assets.json ] && restored=(--no-restore)
dotnet format Emolingua.slnx --severity warn --verify-no-changes -v quiet "${restored[@]}" || {
  echo "format: dotnet format found the problems above (run scripts/format.sh; names are fixed by hand)" >&2
  status=1
}
perl scripts/check-lines.pl "$limit" "$max_file_lines" scripts/long-files.txt "${checked[@]}" || status=1
[ "$status" -eq 0 ] && echo "format: ok (CSharpier, dotnet format, $limit columns, $max_file_lines lines)"
exit "$status"
