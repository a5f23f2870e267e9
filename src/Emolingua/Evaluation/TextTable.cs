using System.Text;

namespace Emolingua.Evaluation;

/// <summary>The console tables' layout: columns two spaces apart, a dashed rule under the header row.</summary>
internal static class TextTable
{
    /// <summary>
    /// <paramref name="lines"/>[0] is the header; the first <paramref name="labelColumns"/> columns are left-aligned
    /// (names), the others right-aligned (numbers). One text line per row, trailing spaces trimmed.
    /// </summary>
    public static string Render(IReadOnlyList<IReadOnlyList<string>> lines, int labelColumns = 2)
    {
        var widths = Enumerable.Range(0, lines[0].Count).Select(i => lines.Max(l => l[i].Length)).ToArray();
        var sb = new StringBuilder();
        for (var r = 0; r < lines.Count; r++)
        {
            sb.AppendLine(
                string.Join(
                        "  ",
                        lines[r].Select((t, i) => i < labelColumns ? t.PadRight(widths[i]) : t.PadLeft(widths[i]))
                    )
                    .TrimEnd()
            );
            if (r == 0)
                sb.AppendLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        }
        return sb.ToString();
    }
}
