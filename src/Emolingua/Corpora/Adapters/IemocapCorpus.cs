using System.Globalization;
using System.Text.RegularExpressions;

namespace Emolingua.Corpora.Adapters;

/// <summary>
/// IEMOCAP, English: root/Session{1..5}/dialog/EmoEvaluation/&lt;dialog&gt;.txt (only the top-level summaries; the
/// Categorical/, Attribute/, Self-evaluation/ sub-folders hold per-evaluator files and are not read), audio at
/// Session{n}/sentences/wav/&lt;dialog&gt;/&lt;utterance&gt;.wav. Summary lines
/// "[START - END]\tSes01F_impro01_F000\tneu\t[V, A, D]" give label and duration (END - START, no audio read);
/// per-evaluator lines ("C-E1:", "A-E2:" ...) and comments are ignored. ang, hap+exc, neu, sad kept.
/// Speaker = "Ses0N" + the first letter of the utterance id's last token; session = "SessionN".
/// </summary>
public sealed partial class IemocapCorpus(string root) : ICorpus
{
    public string Kind => "iemocap";
    public string Root { get; } = CheckRoot(root);
    public string Language => "en";
    public FoldScheme Scheme => FoldScheme.Sessions;
    public bool Labeled => true;

    [GeneratedRegex(@"^\[\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*\]\s+(\S+)\s+(\S+)\s+\[.*\]\s*$")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"^Ses(\d\d)[FM]_.+_([FM])[^_]*$")]
    private static partial Regex UtteranceId();

    [GeneratedRegex(@"^Session(\d+)$")]
    private static partial Regex SessionFolder();

    private static string CheckRoot(string root)
    {
        if (!Directory.Exists(root))
            throw new Util.EmolinguaException(root, "no such folder");
        if (Sessions(root).Count == 0)
        {
            throw new Util.EmolinguaException(
                root,
                "not an IEMOCAP folder: no Session1..5/dialog/EmoEvaluation/ inside"
            );
        }

        return root;
    }

    private static List<string> Sessions(string root) =>
        Directory
            .EnumerateDirectories(root)
            .Where(d =>
                SessionFolder().IsMatch(Path.GetFileName(d))
                && Directory.Exists(Path.Combine(d, "dialog", "EmoEvaluation"))
            )
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToList();

    public static Emotion? Map(string code) =>
        code switch
        {
            "ang" => Emotion.Angry,
            "hap" or "exc" => Emotion.Happy,
            "neu" => Emotion.Neutral,
            "sad" => Emotion.Sad,
            _ => null,
        };

    public IEnumerable<Utterance> Enumerate(SkipCounter skips)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var session in Sessions(Root))
        {
            var sessionName = Path.GetFileName(session);
            foreach (var txt in Corpus.SortedFiles(Path.Combine(session, "dialog", "EmoEvaluation")))
            {
                if (!txt.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
                    continue;
                // The release ships macOS "._x.txt" resource forks beside the real files.
                if (Corpus.IsHidden(txt))
                {
                    skips.Add(SkipReasons.HiddenFile);
                    continue;
                }
                var evaluations = 0;
                foreach (var raw in File.ReadLines(txt))
                {
                    var line = raw.Trim();
                    if (!line.StartsWith('['))
                        continue; // header "%...", evaluator lines "C-E1:", blanks
                    evaluations++;
                    var m = SummaryLine().Match(line);
                    if (!m.Success)
                    {
                        skips.Add(SkipReasons.UnparsableLine);
                        continue;
                    }
                    string id = m.Groups[3].Value,
                        code = m.Groups[4].Value;
                    var idm = UtteranceId().Match(id);
                    if (!idm.Success)
                    {
                        skips.Add(SkipReasons.UnparsableLine);
                        continue;
                    }
                    if (!seen.Add(id))
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
                    var dialog = id[..id.LastIndexOf('_')];
                    var wav = Path.Combine(session, "sentences", "wav", dialog, id + ".wav");
                    if (!File.Exists(wav))
                    {
                        skips.Add(SkipReasons.MissingAudio);
                        continue;
                    }
                    var seconds =
                        double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)
                        - double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    if (!Corpus.DurationOk(seconds, skips))
                        continue;
                    var g = idm.Groups[2].Value[0];
                    yield return new Utterance(
                        id,
                        wav,
                        Kind,
                        Language,
                        $"Ses{idm.Groups[1].Value}{g}",
                        g == 'F' ? Gender.Female : Gender.Male,
                        sessionName,
                        code,
                        label,
                        seconds
                    );
                }
                if (evaluations == 0)
                {
                    throw new Util.EmolinguaException(
                        txt,
                        "no evaluation lines (\"[START - END]\tTURN\tEMOTION\t[V, A, D]\"): not an IEMOCAP EmoEvaluation file"
                    );
                }
            }
        }
    }
}
