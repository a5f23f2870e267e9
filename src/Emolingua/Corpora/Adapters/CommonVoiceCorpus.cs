using System.Globalization;
using CsvHelper;
using Emolingua.Util;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// Common Voice, one locale's folder: clips/*.mp3 plus train.tsv, dev.tsv, test.tsv (columns read by header name,
/// so both the ≤v16 and the v17+ column sets work). Unlabeled: every clip listed in the three split files (each
/// once; a clip listed again is a duplicate) that passes the duration filter is kept. Speaker = client_id;
/// gender accepts old (male/female/other) and new (male_masculine/female_feminine/...) spellings. Durations from
/// clip_durations.tsv when present (clip, duration[ms]), else the MP3 header. Language = the TSV's locale column,
/// else the folder name.
/// </summary>
public sealed class CommonVoiceCorpus : ICorpus
{
    public static readonly string[] Splits = ["train", "dev", "test"];

    public string Kind => "commonvoice";
    public string Root { get; }
    public string Language { get; }
    public FoldScheme Scheme => FoldScheme.OfficialSplits;
    public bool Labeled => false;

    public CommonVoiceCorpus(string root)
    {
        Corpus.RequireDirectory(root, "Common Voice", "clips", "root/clips/*.mp3 with train.tsv, dev.tsv, test.tsv");
        var missing = Splits.Where(s => !File.Exists(Path.Combine(root, s + ".tsv"))).ToList();
        if (missing.Count > 0)
        {
            throw new Util.EmolinguaException(
                root,
                $"not a Common Voice locale folder: no {string.Join(", ", missing.Select(s => s + ".tsv"))}"
            );
        }

        Root = root;
        Language = ReadLocale(root) ?? Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar));
    }

    private static string? ReadLocale(string root)
    {
        foreach (var split in Splits)
        {
            using var tsv = OpenTsv(Path.Combine(root, split + ".tsv"));
            if (tsv.Headers.Count == 0)
                continue;
            var locale = CsvFiles.Column(tsv, "locale");
            if (locale < 0)
                return null;
            while (tsv.Read())
            {
                if (CsvFiles.Field(tsv, locale) is { Length: > 0 } value)
                    return value;
            }
        }
        return null;
    }

    // Common Voice writes its TSVs without quoting: a sentence may hold a lone quote character.
    private static CsvReader OpenTsv(string file) => CsvFiles.Open(file, '\t', quoted: false);

    private sealed record Row(string ClientId, string Clip, string Gender, string Split);

    /// <summary>Rows of one split file; lines with too few fields are counted and skipped.</summary>
    private IEnumerable<Row?> Rows(string split, SkipCounter skips)
    {
        var file = Path.Combine(Root, split + ".tsv");
        using var tsv = OpenTsv(file);
        if (tsv.Headers.Count == 0)
            yield break;
        int client = CsvFiles.Column(tsv, "client_id"),
            path = CsvFiles.Column(tsv, "path"),
            gender = CsvFiles.Column(tsv, "gender");
        if (client < 0 || path < 0)
            throw new Util.EmolinguaException(file, "header lacks client_id or path");
        while (tsv.Read())
        {
            if (tsv.Current.FieldCount <= Math.Max(client, path) || CsvFiles.Field(tsv, path).Length == 0)
            {
                skips.Add(SkipReasons.UnparsableLine);
                yield return null;
                continue;
            }
            yield return new Row(
                CsvFiles.Field(tsv, client),
                CsvFiles.Field(tsv, path),
                CsvFiles.Field(tsv, gender),
                split
            );
        }
    }

    private Dictionary<string, double>? ReadClipDurations(HashSet<string> wanted, SkipCounter skips)
    {
        var file = Path.Combine(Root, "clip_durations.tsv");
        if (!File.Exists(file))
            return null;
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        using var tsv = OpenTsv(file);
        if (tsv.Headers.Count == 0)
            return durations;
        int clip = CsvFiles.Column(tsv, "clip"),
            ms = CsvFiles.Column(tsv, "duration[ms]", "duration");
        if (clip < 0 || ms < 0)
            throw new Util.EmolinguaException(file, "header lacks clip or duration[ms]");
        while (tsv.Read())
        {
            if (tsv.Current.FieldCount <= Math.Max(clip, ms))
                continue;
            var name = CsvFiles.Field(tsv, clip);
            if (!wanted.Contains(name))
                continue; // the file lists every clip of the release; keep only ours
            if (double.TryParse(CsvFiles.Field(tsv, ms), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                durations[name] = v / 1000.0;
        }
        return durations;
    }

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        // Pass 1: which clips the splits name (to read only their durations); pass 2 streams the utterances.
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var split in Splits)
        {
            foreach (var row in Rows(split, new SkipCounter()))
            {
                if (row != null)
                    wanted.Add(row.Clip);
            }
        }

        var durations = ReadClipDurations(wanted, skips);
        wanted.Clear();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var clips = Path.Combine(Root, "clips");
        foreach (var split in Splits)
        {
            foreach (var row in Rows(split, skips))
            {
                if (row == null)
                    continue;
                if (!seen.Add(row.Clip))
                {
                    skips.Add(SkipReasons.Duplicate);
                    continue;
                }
                if (row.ClientId.Length == 0)
                {
                    skips.Add(SkipReasons.MissingSpeaker);
                    continue;
                }
                var path = Path.Combine(clips, row.Clip);
                // Early releases list clip names without the .mp3 extension.
                if (!File.Exists(path) && Path.GetExtension(row.Clip).Length == 0 && File.Exists(path + ".mp3"))
                    path += ".mp3";
                if (!File.Exists(path))
                {
                    skips.Add(SkipReasons.MissingAudio);
                    continue;
                }
                var seconds =
                    durations != null && durations.TryGetValue(row.Clip, out var d)
                        ? d
                        : AudioDuration.TryRead(path, skips);
                if (seconds == null || !Corpus.DurationOk(seconds.Value, skips))
                    continue;
                yield return new Utterance(
                    Path.GetFileNameWithoutExtension(path),
                    path,
                    Kind,
                    Language,
                    row.ClientId,
                    Genders.Parse(row.Gender),
                    split,
                    "",
                    null,
                    seconds.Value
                );
            }
        }
    }
}
