using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emolingua.Util;

namespace Emolingua.Corpora;

/// <summary>
/// Manifest files: CSV (header row) or JSONL (one object per line, chosen by the .jsonl/.json extension) with the
/// columns <see cref="Columns"/>. Users may write just path, label, speaker, gender, session, language; the writer
/// emits all of them so a manifest read back yields the same utterances.
/// </summary>
public static class Manifest
{
    public static readonly string[] Columns =
        ["id", "path", "corpus", "language", "speaker", "gender", "session", "label", "original_label", "duration"];

    public static bool IsJsonLines(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes utterances (absolute paths; label = the 4-class name or empty) atomically.</summary>
    public static void Write(string path, IEnumerable<Utterance> utterances)
    {
        if (!IsJsonLines(path))
        {
            CsvFiles.Write(path, Columns, utterances.Select(Values));
            return;
        }
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            foreach (var u in utterances)
            {
                string[] values = Values(u);
                var line = new JsonObject();
                for (int i = 0; i < Columns.Length; i++)
                    line[Columns[i]] = Columns[i] == "duration" ? (JsonNode)Math.Round(u.Duration, 4) : values[i];
                w.WriteLine(Json.Text(line, indented: false));
            }
        });
    }

    private static string[] Values(Utterance u) =>
    [
        u.Id, Path.GetFullPath(u.Path), u.Corpus, u.Language, u.Speaker, u.Gender.Name(), u.Session ?? "",
        u.Label?.Name() ?? "", u.OriginalLabel, u.Duration.ToString("0.####", CultureInfo.InvariantCulture),
    ];

    /// <summary>Rows of a manifest as column → value maps (keys lower-case); malformed lines (bad JSON, wrong field count) are null.</summary>
    internal static IEnumerable<Dictionary<string, string>?> ReadRows(string path)
    {
        LineLimit.Require(path); // before any reader holds a line in memory
        if (IsJsonLines(path))
        {
            foreach (var line in File.ReadLines(path))
                if (line.Trim().Length > 0) yield return ParseJsonLine(line);
            yield break;
        }
        using var csv = CsvFiles.Open(path);
        var header = csv.Headers.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
        if (header.Count == 0) yield break;
        if (!header.Contains("path")) throw new EmolinguaException(path, "manifest header has no 'path' column");
        while (csv.Read())
        {
            if (csv.Current.FieldCount != header.Count) { yield return null; continue; }
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < header.Count; i++) row[header[i]] = csv.Current.GetString(i);
            yield return row;
        }
    }

    private static Dictionary<string, string>? ParseJsonLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
                row[p.Name.ToLowerInvariant()] = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString() ?? "",
                    JsonValueKind.Null => "",
                    _ => p.Value.GetRawText(),
                };
            return row;
        }
        catch (JsonException) { return null; }
    }
}
