using System.Text.RegularExpressions;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// RAVDESS speech, English: root/Actor_NN/MM-VV-EE-II-SS-RR-AA.wav (modality, vocal channel, emotion, intensity,
/// statement, repetition, actor). Only modality 03 (audio-only) with vocal channel 01 (speech) is used; song and
/// video files are counted as skipped. Emotions: 01 neutral, 03 happy, 04 sad, 05 angry kept; 02 calm and the rest
/// dropped. Odd actors are male, even female. Also accepts the Actor_NN folders one level down
/// (e.g. root/Audio_Speech_Actors_01-24/Actor_01).
/// </summary>
public sealed partial class RavdessCorpus(string root) : ICorpus
{
    public string Kind => "ravdess";
    public string Root { get; } = CheckRoot(root);
    public string Language => "en";
    public FoldScheme Scheme => FoldScheme.SpeakerFolds;
    public bool Labeled => true;

    [GeneratedRegex(@"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.[A-Za-z0-9]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^Actor_\d+$")]
    private static partial Regex ActorFolder();

    private static string CheckRoot(string root)
    {
        if (!Directory.Exists(root))
            throw new Util.EmolinguaException(root, "no such folder");
        if (ActorDirs(root).Count == 0)
        {
            throw new Util.EmolinguaException(
                root,
                "not a RAVDESS folder: no Actor_NN/ folders inside (expected root/Actor_01/03-01-05-01-02-01-01.wav ...)"
            );
        }

        return root;
    }

    private static List<string> ActorDirs(string root)
    {
        var direct = Directory
            .EnumerateDirectories(root)
            .Where(d => ActorFolder().IsMatch(Path.GetFileName(d)))
            .ToList();
        if (direct.Count == 0)
        {
            direct = Directory
                .EnumerateDirectories(root)
                .SelectMany(Directory.EnumerateDirectories)
                .Where(d => ActorFolder().IsMatch(Path.GetFileName(d)))
                .ToList();
        }

        return direct
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ThenBy(d => d, StringComparer.Ordinal)
            .ToList();
    }

    public static Emotion? Map(string code) =>
        code switch
        {
            "01" => Emotion.Neutral,
            "03" => Emotion.Happy,
            "04" => Emotion.Sad,
            "05" => Emotion.Angry,
            _ => null,
        };

    private static readonly Dictionary<string, string> CodeNames = new()
    {
        ["01"] = "neutral",
        ["02"] = "calm",
        ["03"] = "happy",
        ["04"] = "sad",
        ["05"] = "angry",
        ["06"] = "fearful",
        ["07"] = "disgust",
        ["08"] = "surprised",
    };

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        foreach (var dir in ActorDirs(Root))
        {
            foreach (var path in Corpus.SortedFiles(dir))
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
                if (
                    m.Groups[1].Value != "03"
                    || m.Groups[2].Value != "01"
                    || !path.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)
                )
                {
                    skips.Add(SkipReasons.NotAudioOnlySpeech);
                    continue;
                }
                var code = m.Groups[3].Value;
                var label = Map(code);
                if (label == null)
                {
                    skips.Add(SkipReasons.Label(CodeNames.GetValueOrDefault(code, code)));
                    continue;
                }
                var actor = int.Parse(m.Groups[7].Value, System.Globalization.CultureInfo.InvariantCulture);
                var seconds = AudioDuration.TryRead(path, skips);
                if (seconds == null || !Corpus.DurationOk(seconds.Value, skips))
                    continue;
                yield return new Utterance(
                    Path.GetFileNameWithoutExtension(path),
                    path,
                    Kind,
                    Language,
                    $"Actor_{actor:D2}",
                    actor % 2 == 1 ? Gender.Male : Gender.Female,
                    null,
                    code,
                    label,
                    seconds.Value
                );
            }
        }
    }
}
