using System.Text.RegularExpressions;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// URDU (Latif et al. 2018): root/{Angry,Happy,Neutral,Sad}/S{M|F}n_Fk_{A|H|N|S}idx.wav, e.g. Neutral/SM5_F63_N091.wav.
/// The folder gives the label; a file whose emotion letter disagrees with its folder is skipped. Speaker = the
/// first part (SM5), gender from its second letter.
/// </summary>
public sealed partial class UrduCorpus(string root) : ICorpus
{
    public string Kind => "urdu";
    public string Root { get; } = CheckRoot(root);
    public string Language => "ur";
    public FoldScheme Scheme => FoldScheme.SpeakerFolds;
    public bool Labeled => true;

    private static readonly (string Folder, Emotion Label, char Letter)[] Classes =
    [
        ("Angry", Emotion.Angry, 'A'),
        ("Happy", Emotion.Happy, 'H'),
        ("Neutral", Emotion.Neutral, 'N'),
        ("Sad", Emotion.Sad, 'S'),
    ];

    [GeneratedRegex(@"^(S([MF])\d+)_F\d+_([A-Z])\d+\.wav$", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();

    private static string CheckRoot(string root)
    {
        if (!Directory.Exists(root))
            throw new Util.EmolinguaException(root, "no such folder");
        if (!Classes.Any(c => FindFolder(root, c.Folder) != null))
            throw new Util.EmolinguaException(root, "not an URDU folder: none of Angry/ Happy/ Neutral/ Sad/ inside");
        return root;
    }

    // Folder names matched case-insensitively (archives differ in capitalisation).
    private static string? FindFolder(string root, string name) =>
        Directory
            .EnumerateDirectories(root)
            .FirstOrDefault(d => string.Equals(Path.GetFileName(d), name, StringComparison.OrdinalIgnoreCase));

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        foreach (var (folder, label, letter) in Classes)
        {
            var dir = FindFolder(Root, folder);
            if (dir == null)
                continue;
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
                if (char.ToUpperInvariant(m.Groups[3].Value[0]) != letter)
                {
                    skips.Add(SkipReasons.LabelMismatch);
                    continue;
                }
                var seconds = AudioDuration.TryRead(path, skips);
                if (seconds == null || !Corpus.DurationOk(seconds.Value, skips))
                    continue;
                var speaker = m.Groups[1].Value.ToUpperInvariant();
                yield return new Utterance(
                    Path.GetFileNameWithoutExtension(path),
                    path,
                    Kind,
                    Language,
                    speaker,
                    Genders.Parse(m.Groups[2].Value),
                    null,
                    folder,
                    label,
                    seconds.Value
                );
            }
        }
    }
}
