using Emolingua.Util;

namespace Emolingua.Corpora;

/// <summary>
/// Evaluation folds. Speaker folds (EMO-DB, URDU, SUBESCO, RAVDESS, manifests without sessions) follow the rule
/// in FOLDS.md: sort speaker ids, shuffle with SplitMix64(seed), order females, males, unknown (stable), deal
/// round-robin into k folds. IEMOCAP sessions and the official splits of MSP-Podcast/Common Voice come from
/// <see cref="Utterance.Session"/>.
/// </summary>
public static class Folds
{
    public const int DefaultK = 5;
    public const int DefaultSeed = 0;

    /// <summary>Fold index (0..k'-1, k' = min(k, speakers)) per speaker id.</summary>
    public static Dictionary<string, int> AssignSpeakers(
        IEnumerable<(string Speaker, Gender Gender)> speakers,
        int k = DefaultK,
        int seed = DefaultSeed
    )
    {
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1");
        var genders = new Dictionary<string, Gender>(StringComparer.Ordinal);
        foreach (var (s, g) in speakers)
            genders.TryAdd(s, g);
        var order = genders.Keys.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        var rng = new SplitMix64((ulong)seed);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (int)(rng.Next() % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        // Stable partition by gender, then one continuing round-robin: folds differ by at most one speaker in
        // total and at most one speaker of each gender.
        var dealt = order
            .Where(s => genders[s] == Gender.Female)
            .Concat(order.Where(s => genders[s] == Gender.Male))
            .Concat(order.Where(s => genders[s] == Gender.Unknown));
        var folds = Math.Min(k, Math.Max(order.Length, 1));
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        var n = 0;
        foreach (var s in dealt)
            result[s] = n++ % folds;
        return result;
    }

    /// <summary>
    /// Speaker-disjoint fold index per utterance (same order as <paramref name="utterances"/>). A speaker's gender is
    /// that of its first utterance. Utterances of an unknown speaker each count as their own speaker.
    /// </summary>
    public static int[] Assign(IReadOnlyList<Utterance> utterances, int k = DefaultK, int seed = DefaultSeed)
    {
        var keys = utterances.Select(SpeakerKey).ToArray();
        var map = AssignSpeakers(utterances.Select((u, i) => (keys[i], u.Gender)), k, seed);
        return keys.Select(s => map[s]).ToArray();
    }

    private static string SpeakerKey(Utterance u) => u.HasKnownSpeaker ? u.Speaker : "\0" + u.Id;

    /// <summary>
    /// The fold group name per utterance: "fold1".."foldK" for speaker folds, else <see cref="Utterance.Session"/>
    /// (IEMOCAP "Session1".., official splits "train"/"dev"/"test"...). Falls back to speaker folds when any
    /// utterance lacks a session.
    /// </summary>
    public static string[] Groups(
        FoldScheme scheme,
        IReadOnlyList<Utterance> utterances,
        int k = DefaultK,
        int seed = DefaultSeed
    )
    {
        if (scheme != FoldScheme.SpeakerFolds && utterances.All(u => !string.IsNullOrEmpty(u.Session)))
            return utterances.Select(u => u.Session!).ToArray();
        return Assign(utterances, k, seed).Select(f => "fold" + (f + 1)).ToArray();
    }

    /// <summary>
    /// (training, held-out) for fold k of K: sessions and speaker folds hold out their k-th group (sorted names);
    /// official splits hold out the dev split and train on the train split (test splits are never used).
    /// </summary>
    public static (List<Utterance> Train, List<Utterance> HeldOut) SplitByFold(
        ICorpus corpus,
        int fold,
        int folds,
        int foldSeed
    )
    {
        var all = Corpus.Load(corpus);
        var groups = Folds.Groups(corpus.Scheme, all, folds, foldSeed);
        if (corpus.Scheme == FoldScheme.OfficialSplits && all.All(u => u.Session != null))
        {
            return (
                all.Where((u, i) => groups[i] == "train").ToList(),
                all.Where((u, i) => groups[i] == "dev").ToList()
            );
        }

        var names = groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (fold > names.Count)
        {
            throw new EmolinguaException(
                corpus.Root,
                $"fold {fold} requested but the corpus has {names.Count} fold groups ({string.Join(", ", names)})"
            );
        }

        var held = names[fold - 1];
        return (all.Where((u, i) => groups[i] != held).ToList(), all.Where((u, i) => groups[i] == held).ToList());
    }

    /// <summary>A corpus's test utterances for fold k (what evaluation reads).</summary>
    public static List<Utterance> TestFold(ICorpus corpus, int fold, int folds, int foldSeed)
    {
        if (corpus.Scheme == FoldScheme.OfficialSplits)
        {
            var all = Corpus.Load(corpus);
            return all.Where(u => u.Session is not ("train" or "dev")).ToList();
        }
        return SplitByFold(corpus, fold, folds, foldSeed).HeldOut;
    }

    /// <summary>Number of distinct fold groups.</summary>
    public static int Count(
        FoldScheme scheme,
        IReadOnlyList<Utterance> utterances,
        int k = DefaultK,
        int seed = DefaultSeed
    ) => Groups(scheme, utterances, k, seed).Distinct(StringComparer.Ordinal).Count();

    /// <summary>SplitMix64 (Steele et al. 2014): tiny, portable, and fixed forever, unlike System.Random's
    /// algorithm.</summary>
    public sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        /// <summary>The golden-ratio step the state advances by on every draw.</summary>
        public const ulong Increment = 0x9E3779B97F4A7C15UL;

        public ulong Next() => Mix(_state += Increment);

        /// <summary>SplitMix64's output function: a bijective scramble of one 64-bit state.</summary>
        public static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform double in [0, 1).</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
