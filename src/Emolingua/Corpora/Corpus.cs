using Emolingua.Corpora.Adapters;
using Emolingua.Util;

namespace Emolingua.Corpora;

public static class Corpus
{
    /// <summary>The adapter kinds, as accepted by <see cref="Open"/>.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
    ["emodb", "ravdess", "urdu", "subesco", "iemocap", "msp-podcast", "commonvoice", "manifest"];

    public const double MinSeconds = 0.5;
    public const double MaxSeconds = 12.0;

    /// <summary>Opens a corpus folder (or a manifest file) as the release unpacks; checks the layout, reads nothing
    /// else.</summary>
    public static ICorpus Open(string kind, string root)
    {
        var full = Path.GetFullPath(root);
        return Canonical(kind) switch
        {
            "emodb" => new EmoDbCorpus(full),
            "ravdess" => new RavdessCorpus(full),
            "urdu" => new UrduCorpus(full),
            "subesco" => new SubescoCorpus(full),
            "iemocap" => new IemocapCorpus(full),
            "msp-podcast" => new MspPodcastCorpus(full),
            "commonvoice" => new CommonVoiceCorpus(full),
            "manifest" => new ManifestCorpus(full),
            _ => throw new EmolinguaException(root, UnknownKind(kind)),
        };
    }

    /// <summary>True for the kinds <see cref="Open"/> accepts (and their other spellings).</summary>
    public static bool IsKind(string kind) => Kinds.Contains(Canonical(kind));

    /// <summary>"unknown corpus kind 'x' (did you mean 'y'?); kinds: ..." for error messages.</summary>
    public static string UnknownKind(string kind) =>
        $"unknown corpus kind '{kind}'{DidYouMean.Hint(kind, Kinds)}; kinds: {string.Join(", ", Kinds)}";

    private static string Canonical(string kind) =>
        kind.ToLowerInvariant() switch
        {
            "msppodcast" or "msp" => "msp-podcast",
            "common-voice" or "cv" => "commonvoice",
            var k => k,
        };

    /// <summary>Reads every kept utterance into a list (metadata only; fine even for 100k+ utterances).</summary>
    public static List<Utterance> Load(ICorpus corpus, SkipCounter? skips = null) =>
        corpus.Enumerate(skips ?? new SkipCounter()).ToList();

    /// <summary>True when <paramref name="seconds"/> passes the paper's 0.5–12 s filter; otherwise counts why
    /// not.</summary>
    public static bool DurationOk(double seconds, SkipCounter skips)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            skips.Add(SkipReasons.InvalidDuration);
            return false;
        } // a NaN would pass both tests below
        if (seconds < MinSeconds)
        {
            skips.Add(SkipReasons.TooShort);
            return false;
        }
        if (seconds > MaxSeconds)
        {
            skips.Add(SkipReasons.TooLong);
            return false;
        }
        return true;
    }

    internal static void RequireDirectory(string root, string kind, string sub, string layout)
    {
        if (!Directory.Exists(root))
            throw new EmolinguaException(root, "no such folder");
        if (!Directory.Exists(Path.Combine(root, sub)))
        {
            throw new EmolinguaException(
                root,
                $"no {sub}/ folder inside, so not the {kind} layout (expected {layout})"
            );
        }
    }

    /// <summary>Files of a folder in ordinal name order (stable across file systems).</summary>
    internal static IEnumerable<string> SortedFiles(string dir, SearchOption option = SearchOption.TopDirectoryOnly) =>
        Directory.EnumerateFiles(dir, "*", option).OrderBy(f => f, StringComparer.Ordinal);

    internal static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');
}
