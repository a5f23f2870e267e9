using System.Text.Json;
using Emolingua.Util;

namespace Emolingua.Corpora;

/// <summary>
/// The rows of a manifest file (CSV with a header, or JSONL chosen by the .jsonl/.json extension), as the
/// <c>manifest</c> corpus and <c>predict</c>'s list inputs read them.
/// </summary>
internal static class ManifestRows
{
    internal static bool IsJsonLines(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Rows of a manifest as column → value maps (keys lower-case); malformed lines (bad JSON, wrong field
    /// count) are null.</summary>
    internal static IEnumerable<Dictionary<string, string>?> Read(string path)
    {
        LineLimit.Require(path); // before any reader holds a line in memory
        if (IsJsonLines(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.Trim().Length > 0)
                    yield return ParseJsonLine(line);
            }

            yield break;
        }
        using var csv = CsvFiles.Open(path);
        var header = csv.Headers.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
        if (header.Count == 0)
            yield break;
        if (!header.Contains("path"))
            throw new EmolinguaException(path, "manifest header has no 'path' column");
        while (csv.Read())
        {
            if (csv.Current.FieldCount != header.Count)
            {
                yield return null;
                continue;
            }
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
                row[header[i]] = csv.Current.GetString(i);
            yield return row;
        }
    }

    private static Dictionary<string, string>? ParseJsonLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                row[p.Name.ToLowerInvariant()] = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString() ?? "",
                    JsonValueKind.Null => "",
                    _ => p.Value.GetRawText(),
                };
            }

            return row;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
