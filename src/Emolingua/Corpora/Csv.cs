using System.Text;

namespace Emolingua.Corpora;

/// <summary>Minimal RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes.</summary>
internal static class Csv
{
    /// <summary>Records of a CSV text reader, with 1-based line number of each record's start.</summary>
    public static IEnumerable<(int Line, List<string> Fields)> Read(TextReader reader)
    {
        int line = 1;
        while (true)
        {
            int start = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            bool inQuotes = false, any = false;
            int c;
            while ((c = reader.Read()) != -1)
            {
                any = true;
                char ch = (char)c;
                if (inQuotes)
                {
                    if (ch == '"')
                    {
                        if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                        else inQuotes = false;
                    }
                    else { if (ch == '\n') line++; field.Append(ch); }
                }
                else if (ch == '"') inQuotes = true;
                else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); }
                else if (ch == '\r') { }
                else if (ch == '\n') { line++; break; }
                else field.Append(ch);
            }
            if (!any) yield break;
            fields.Add(field.ToString());
            if (!(fields.Count == 1 && fields[0].Length == 0)) yield return (start, fields);
            if (c == -1) yield break;
        }
    }

    public static string Escape(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    /// <summary>Column index by header name (case-insensitive, trimmed, BOM stripped); -1 when absent.</summary>
    public static int Column(IReadOnlyList<string> header, params string[] names)
    {
        for (int i = 0; i < header.Count; i++)
        {
            string h = header[i].Trim().TrimStart('\uFEFF');
            if (names.Any(n => string.Equals(h, n, StringComparison.OrdinalIgnoreCase))) return i;
        }
        return -1;
    }
}
