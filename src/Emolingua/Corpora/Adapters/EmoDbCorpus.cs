using System.Text.RegularExpressions;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// EMO-DB (Berlin), German: root/wav/SSTTTEV.wav, e.g. 03a01Fa.wav = speaker 03, text a01, emotion F, version a.
/// Emotion letters (German initials): W anger, F happiness, N neutral, T sadness (kept); L boredom, E disgust,
/// A fear (dropped). Speaker genders from the corpus documentation.
/// </summary>
public sealed partial class EmoDbCorpus(string root) : ICorpus
{
    public string Kind => "emodb";
    public string Root { get; } = Init(root);
    public string Language => "de";
    public FoldScheme Scheme => FoldScheme.SpeakerFolds;
    public bool Labeled => true;

    private static readonly Dictionary<string, Gender> SpeakerGenders = new()
    {
        ["03"] = Gender.Male,
        ["10"] = Gender.Male,
        ["11"] = Gender.Male,
        ["12"] = Gender.Male,
        ["15"] = Gender.Male,
        ["08"] = Gender.Female,
        ["09"] = Gender.Female,
        ["13"] = Gender.Female,
        ["14"] = Gender.Female,
        ["16"] = Gender.Female,
    };

    [GeneratedRegex(@"^(\d\d)([a-z]\d\d)([A-Z])([a-z])\.wav$", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();

    private static string Init(string root)
    {
        Corpus.RequireDirectory(root, "EMO-DB", "wav", "root/wav/03a01Fa.wav ...");
        return root;
    }

    public static Emotion? Map(char letter) =>
        char.ToUpperInvariant(letter) switch
        {
            'W' => Emotion.Angry,
            'F' => Emotion.Happy,
            'N' => Emotion.Neutral,
            'T' => Emotion.Sad,
            _ => null,
        };

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        foreach (var path in Corpus.SortedFiles(Path.Combine(Root, "wav")))
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
            string speaker = m.Groups[1].Value,
                letter = m.Groups[3].Value.ToUpperInvariant();
            var label = Map(letter[0]);
            if (label == null)
            {
                skips.Add(SkipReasons.Label(letter));
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
                speaker,
                SpeakerGenders.GetValueOrDefault(speaker, Gender.Unknown),
                null,
                letter,
                label,
                seconds.Value
            );
        }
    }
}
