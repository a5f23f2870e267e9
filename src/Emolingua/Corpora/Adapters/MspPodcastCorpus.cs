using Emolingua.Util;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// MSP-Podcast (v1.11), English: root/Labels/labels_consensus.csv (columns read by header name: FileName, EmoClass,
/// SpkrID, Gender, Split_Set) and root/Audios/&lt;FileName&gt;. EmoClass A, H, N, S kept; others dropped.
/// Split_Set normalised: Train → train, Development/Validation → dev, Test1 → test1, Test2 → test2, ...
/// SpkrID "Unknown" (or empty) → <see cref="Utterance.UnknownSpeaker"/>. Durations from the WAV headers, lazily.
/// </summary>
public sealed class MspPodcastCorpus(string root) : ICorpus
{
    public string Kind => "msp-podcast";
    public string Root { get; } = CheckRoot(root);
    public string Language => "en";
    public FoldScheme Scheme => FoldScheme.OfficialSplits;
    public bool Labeled => true;

    private string LabelsFile => Path.Combine(Root, "Labels", "labels_consensus.csv");

    private static string CheckRoot(string root)
    {
        Corpus.RequireDirectory(root, "MSP-Podcast", "Audios", "root/Audios/ and root/Labels/labels_consensus.csv");
        if (!File.Exists(Path.Combine(root, "Labels", "labels_consensus.csv")))
            throw new Util.EmolinguaException(root, "not an MSP-Podcast folder: no Labels/labels_consensus.csv");
        return root;
    }

    public static Emotion? Map(string code) =>
        code.Trim().ToUpperInvariant() switch
        {
            "A" => Emotion.Angry,
            "H" => Emotion.Happy,
            "N" => Emotion.Neutral,
            "S" => Emotion.Sad,
            _ => null,
        };

    public static string NormalizeSplit(string split)
    {
        var s = split.Trim().ToLowerInvariant();
        return s switch
        {
            "development" or "validation" or "valid" or "dev" => "dev",
            _ => s,
        };
    }

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        using var csv = CsvFiles.Open(LabelsFile);
        int file = CsvFiles.Column(csv, "FileName"),
            emo = CsvFiles.Column(csv, "EmoClass"),
            spk = CsvFiles.Column(csv, "SpkrID");
        int gender = CsvFiles.Column(csv, "Gender"),
            split = CsvFiles.Column(csv, "Split_Set");
        if (file < 0 || emo < 0 || split < 0)
            throw new Util.EmolinguaException(LabelsFile, "header lacks FileName, EmoClass or Split_Set");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (csv.Read())
        {
            if (csv.Current.FieldCount <= Math.Max(file, Math.Max(emo, split)) || CsvFiles.Field(csv, file).Length == 0)
            {
                skips.Add(SkipReasons.UnparsableLine);
                continue;
            }
            string name = CsvFiles.Field(csv, file),
                code = CsvFiles.Field(csv, emo);
            if (!seen.Add(name))
            {
                skips.Add(SkipReasons.Duplicate);
                continue;
            }
            var label = Map(code);
            if (label == null)
            {
                skips.Add(SkipReasons.Label(code));
                continue;
            }
            var path = Path.Combine(Root, "Audios", name);
            if (!File.Exists(path))
            {
                skips.Add(SkipReasons.MissingAudio);
                continue;
            }
            var seconds = AudioDuration.TryRead(path, skips);
            if (seconds == null || !Corpus.DurationOk(seconds.Value, skips))
                continue;
            var speaker = CsvFiles.Field(csv, spk);
            if (speaker.Length == 0 || speaker.Equals("unknown", StringComparison.OrdinalIgnoreCase))
                speaker = Utterance.UnknownSpeaker;
            var g = Genders.Parse(CsvFiles.Field(csv, gender));
            yield return new Utterance(
                Path.GetFileNameWithoutExtension(name),
                path,
                Kind,
                Language,
                speaker,
                g,
                NormalizeSplit(CsvFiles.Field(csv, split)),
                code,
                label,
                seconds.Value
            );
        }
    }
}
