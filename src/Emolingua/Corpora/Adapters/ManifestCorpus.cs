using System.Globalization;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// A user-written manifest (CSV or JSONL, see <see cref="Manifest"/>). Only "path" is required; relative paths
/// resolve against the manifest's folder. label: angry/happy/neutral/sad (and the spellings
/// <see cref="Emotions.TryParse"/> accepts); empty = unlabeled speech, kept; any other label is dropped.
/// A "duration" column is trusted, else the audio header is read. Folds: the session column when every row has
/// one, else speaker folds.
/// </summary>
public sealed class ManifestCorpus : ICorpus
{
    public string Kind => "manifest";
    public string Root { get; }
    public string Language => Summary.Language;
    public FoldScheme Scheme => Summary.AllSessions ? FoldScheme.Sessions : FoldScheme.SpeakerFolds;
    public bool Labeled => Summary.AnyLabel;

    private readonly string _folder;
    private (string Language, bool AllSessions, bool AnyLabel)? _summary;

    public ManifestCorpus(string file)
    {
        if (Directory.Exists(file))
            throw new Util.EmolinguaException(file, "is a folder; the manifest adapter takes a .csv or .jsonl file");
        if (!File.Exists(file))
            throw new Util.EmolinguaException(file, "no such manifest file");
        Root = file;
        _folder = Path.GetDirectoryName(file)!;
    }

    // One cheap pass over the text (no audio) for the properties that depend on all rows.
    private (string Language, bool AllSessions, bool AnyLabel) Summary => _summary ??= Summarize();

    private (string, bool, bool) Summarize()
    {
        var languages = new SortedSet<string>(StringComparer.Ordinal);
        bool allSessions = true,
            anyLabel = false,
            any = false;
        foreach (var row in Manifest.ReadRows(Root))
        {
            if (row == null)
                continue;
            any = true;
            var lang = Get(row, "language");
            if (lang.Length > 0)
                languages.Add(lang);
            if (Get(row, "session").Length == 0)
                allSessions = false;
            if (Get(row, "label").Length > 0)
                anyLabel = true;
        }
        return (languages.Count == 0 ? "und" : string.Join("+", languages), any && allSessions, anyLabel);
    }

    private static string Get(Dictionary<string, string> row, string key) =>
        row.TryGetValue(key, out var v) ? v.Trim() : "";

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int readable = 0,
            rowNumber = 0,
            firstBad = 0;
        foreach (var maybeRow in Manifest.ReadRows(Root))
        {
            rowNumber++;
            var row = maybeRow ?? [];
            var rel = Get(row, "path");
            if (rel.Length == 0)
            {
                skips.Add(SkipReasons.UnparsableLine);
                if (firstBad == 0)
                    firstBad = rowNumber;
                continue;
            }
            readable++;
            var path = Path.GetFullPath(Path.IsPathRooted(rel) ? rel : Path.Combine(_folder, rel));
            if (!seen.Add(path))
            {
                skips.Add(SkipReasons.Duplicate);
                continue;
            }
            var labelText = Get(row, "label");
            Emotion? label = null;
            if (labelText.Length > 0)
            {
                if (!Emotions.TryParse(labelText, out var e))
                {
                    skips.Add(SkipReasons.Label(labelText));
                    continue;
                }
                label = e;
            }
            if (!File.Exists(path))
            {
                skips.Add(SkipReasons.MissingAudio);
                continue;
            }
            var seconds = double.TryParse(
                Get(row, "duration"),
                NumberStyles.Float,
                CultureInfo.InvariantCulture,
                out var d
            )
                ? d
                : AudioDuration.TryRead(path, skips);
            if (seconds == null || !Corpus.DurationOk(seconds.Value, skips))
                continue;
            string id = Get(row, "id"),
                corpus = Get(row, "corpus"),
                lang = Get(row, "language"),
                speaker = Get(row, "speaker");
            string session = Get(row, "session"),
                original = Get(row, "original_label");
            yield return new Utterance(
                id.Length > 0 ? id : Path.GetFileNameWithoutExtension(path),
                path,
                corpus.Length > 0 ? corpus : Kind,
                lang.Length > 0 ? lang : "und",
                speaker.Length > 0 ? speaker : Utterance.UnknownSpeaker,
                Genders.Parse(Get(row, "gender")),
                session.Length > 0 ? session : null,
                original.Length > 0 ? original : labelText,
                label,
                seconds.Value
            );
        }
        // One odd line is skipped and counted; a manifest of which no line reads is not a manifest.
        if (readable == 0 && firstBad > 0)
        {
            throw new Util.EmolinguaException(
                Root,
                $"no row of the manifest could be read (row {firstBad}: {(Manifest.IsJsonLines(Root) ? "not a JSON object with a \"path\"" : "wrong number of fields or no path")})"
            );
        }
    }
}
