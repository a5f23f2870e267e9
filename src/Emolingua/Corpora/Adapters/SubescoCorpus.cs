using System.Text.RegularExpressions;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// SUBESCO, Bangla: a flat folder of {M|F}_NN_NAME_S_n_EMOTION_t.wav, e.g. M_09_SHUMANTA_S_2_FEAR_2.wav. Speaker =
/// M_09_SHUMANTA, gender from the first letter. ANGRY, HAPPY, NEUTRAL, SAD kept; DISGUST, FEAR, SURPRISE dropped.
/// Sub-folders are searched too (some copies unpack into one more folder level).
/// </summary>
public sealed partial class SubescoCorpus(string root) : ICorpus
{
    public string Kind => "subesco";
    public string Root { get; } = CheckRoot(root);
    public string Language => "bn";
    public FoldScheme Scheme => FoldScheme.SpeakerFolds;
    public bool Labeled => true;

    [GeneratedRegex(@"^(([MF])_(\d+)_([A-Za-z]+))_S_(\d+)_([A-Za-z]+)_(\d+)\.wav$", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();

    private static string CheckRoot(string root)
    {
        if (!Directory.Exists(root))
            throw new Util.EmolinguaException(root, "no such folder");
        if (!Directory.EnumerateFiles(root, "*.wav", SearchOption.AllDirectories).Any())
            throw new Util.EmolinguaException(root, "not a SUBESCO folder: no .wav files inside");
        return root;
    }

    public static Emotion? Map(string emotion) =>
        emotion.ToUpperInvariant() switch
        {
            "ANGRY" => Emotion.Angry,
            "HAPPY" => Emotion.Happy,
            "NEUTRAL" => Emotion.Neutral,
            "SAD" => Emotion.Sad,
            _ => null,
        };

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        foreach (var path in Corpus.SortedFiles(Root, SearchOption.AllDirectories))
        {
            if (Corpus.IsHidden(path))
            {
                skips.Add(SkipReasons.HiddenFile);
                continue;
            }
            var m = NamePattern().Match(Path.GetFileName(path));
            if (!m.Success)
            {
                skips.Add(SkipReasons.UnparsableName);
                continue;
            }
            var emotion = m.Groups[6].Value.ToUpperInvariant();
            var label = Map(emotion);
            if (label == null)
            {
                skips.Add(SkipReasons.Label(emotion));
                continue;
            }
            var seconds = AudioDuration.TryRead(path, skips);
            if (seconds == null || !Corpus.DurationOk(seconds.Value, skips))
                continue;
            yield return new Utterance(
                Path.GetFileNameWithoutExtension(path),
                path,
                Kind,
                Language,
                m.Groups[1].Value.ToUpperInvariant(),
                Genders.Parse(m.Groups[2].Value),
                null,
                emotion,
                label,
                seconds.Value
            );
        }
    }
}
