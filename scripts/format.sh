#!/usr/bin/env bash
# Applies the code habits of .editorconfig to the C# of the repository, or checks them (./test.sh runs --check).
#   scripts/format.sh           dotnet format style (var, naming, usings, namespaces), then CSharpier (layout, 120
#                               columns), then scripts/wrap-comments.pl (comments past 120 columns), then CSharpier
#                               again (it settles a few layouts only on a second pass)
#   scripts/format.sh --check   changes nothing; fails naming each file and rule: CSharpier check, dotnet format style
#                               --verify-no-changes, scripts/check-lines.pl (120 columns, 400 lines; exemptions there)
# Whitespace belongs to CSharpier alone: `dotnet format whitespace` disagrees with it and is not run.
# CSharpier is a local tool (.config/dotnet-tools.json), restored here from NuGet on first use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac

dotnet tool restore >/dev/null
limit=120
max_file_lines=400
mapfile -t code < <(git ls-files -- 'src/*.cs' 'tests/*.cs' 'samples/*.cs' 'build/*.cs')
mapfile -t checked < <(git ls-files -- 'src/*.cs' 'tests/*.cs')

if ! $check; then
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
dotnet format style Emolingua.slnx --severity warn --verify-no-changes -v quiet || {
  echo "format: dotnet format style found the problems above (run scripts/format.sh; names are fixed by hand)" >&2
  status=1
}
perl scripts/check-lines.pl "$limit" "$max_file_lines" scripts/long-files.txt "${checked[@]}" || status=1
[ "$status" -eq 0 ] && echo "format: ok (CSharpier, dotnet format style, $limit columns, $max_file_lines lines)"
exit "$status"
