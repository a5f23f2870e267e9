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

    /// <summary>Opens a corpus folder (or a manifest file) as the release unpacks; checks the layout, reads nothing else.</summary>
    public static ICorpus Open(string kind, string root)
    {
        string full = Path.GetFullPath(root);
        return kind.ToLowerInvariant() switch
        {
            "emodb" => new EmoDbCorpus(full),
            "ravdess" => new RavdessCorpus(full),
            "urdu" => new UrduCorpus(full),
            "subesco" => new SubescoCorpus(full),
            "iemocap" => new IemocapCorpus(full),
            "msp-podcast" or "msppodcast" or "msp" => new MspPodcastCorpus(full),
            "commonvoice" or "common-voice" or "cv" => new CommonVoiceCorpus(full),
            "manifest" => new ManifestCorpus(full),
            _ => throw new EmolinguaException(root, $"unknown corpus kind '{kind}' (one of {string.Join(", ", Kinds)})"),
        };
    }

    /// <summary>Reads every kept utterance into a list (metadata only; fine even for 100k+ utterances).</summary>
    public static List<Utterance> Load(ICorpus corpus, SkipCounter? skips = null) =>
        corpus.Enumerate(skips ?? new SkipCounter()).ToList();

    /// <summary>True when <paramref name="seconds"/> passes the paper's 0.5–12 s filter; otherwise counts why not.</summary>
    public static bool DurationOk(double seconds, SkipCounter skips)
    {
        if (seconds < MinSeconds) { skips.Add(SkipReasons.TooShort); return false; }
        if (seconds > MaxSeconds) { skips.Add(SkipReasons.TooLong); return false; }
        return true;
    }

    internal static void RequireDirectory(string root, string kind, string sub, string layout)
    {
        if (!Directory.Exists(root)) throw new EmolinguaException(root, "no such folder");
        if (!Directory.Exists(Path.Combine(root, sub)))
            throw new EmolinguaException(root, $"no {sub}/ folder inside, so not the {kind} layout (expected {layout})");
    }

    /// <summary>Files of a folder in ordinal name order (stable across file systems).</summary>
    internal static IEnumerable<string> SortedFiles(string dir, SearchOption option = SearchOption.TopDirectoryOnly) =>
        Directory.EnumerateFiles(dir, "*", option).OrderBy(f => f, StringComparer.Ordinal);

    internal static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');
}
