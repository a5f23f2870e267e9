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
    [
        "id",
        "path",
        "corpus",
        "language",
        "speaker",
        "gender",
        "session",
        "label",
        "original_label",
        "duration",
    ];

    public static bool IsJsonLines(string path) => ManifestRows.IsJsonLines(path);

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
                var values = Values(u);
                var line = new JsonObject();
                for (var i = 0; i < Columns.Length; i++)
                    line[Columns[i]] = Columns[i] == "duration" ? (JsonNode)Math.Round(u.Duration, 4) : values[i];
                w.WriteLine(Json.Text(line, indented: false));
            }
        });
    }

    private static string[] Values(Utterance u) =>
        [
            u.Id,
            Path.GetFullPath(u.Path),
            u.Corpus,
            u.Language,
            u.Speaker,
            u.Gender.Name(),
            u.Session ?? "",
            u.Label?.Name() ?? "",
            u.OriginalLabel,
            u.Duration.ToString("0.####", CultureInfo.InvariantCulture),
        ];

    /// <summary>Rows of a manifest as column → value maps (keys lower-case); malformed lines (bad JSON, wrong field
    /// count) are null.</summary>
    internal static IEnumerable<Dictionary<string, string>?> ReadRows(string path) => ManifestRows.Read(path);
}
