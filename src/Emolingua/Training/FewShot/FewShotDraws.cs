using Emolingua.Corpora;
using Emolingua.Training.Data;

namespace Emolingua.Training.FewShot;

/// <summary>
/// The labelled clips a few-shot adaptation may use. The pool is the corpus's training folds for fold k (the test
/// fold's speakers, sessions or split never enter it: <see cref="Folds.SplitByFold"/>). A draw takes k clips of
/// each class: the class's clips sorted by id, shuffled by a permutation seeded by (seed, corpus, fold, draw), and the
/// first k kept. Draws are nested: draw d with k = 5 holds draw d's clips for k = 2. A class with fewer than k clips
/// gives all of them.
/// </summary>
public static class FewShotDraws
{
    /// <summary>Labelled utterances of fold <paramref name="fold"/>'s training folds; every utterance when fold is
    /// null.</summary>
    public static List<Utterance> Pool(ICorpus corpus, int? fold, int folds, int foldSeed)
    {
        var pool = fold is { } k ? Folds.SplitByFold(corpus, k, folds, foldSeed).Train : Corpus.Load(corpus);
        return pool.Where(u => u.Label != null).ToList();
    }

    /// <summary>k clips per class (or all of a smaller class), in class order then draw order.</summary>
    public static List<Utterance> Draw(
        IReadOnlyList<Utterance> pool,
        int k,
        int seed,
        string corpus,
        int fold,
        int draw
    )
    {
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1");
        var shots = new List<Utterance>();
        foreach (var emotion in Emotions.All)
        {
            var candidates = pool.Where(u => u.Label == emotion).OrderBy(u => u.Id, StringComparer.Ordinal).ToList();
            if (candidates.Count == 0)
                continue;
            var order = StepRandom.Permutation(
                seed,
                $"few-shot/{corpus}/fold{fold}/{emotion.Name()}",
                candidates.Count,
                draw
            );
            shots.AddRange(order.Take(k).Select(i => candidates[i]));
        }
        return shots;
    }

    /// <summary>Classes of the pool with fewer than k clips (a draw then takes all of theirs).</summary>
    public static List<string> ShortClasses(IReadOnlyList<Utterance> pool, int k) =>
        Emotions.All.Where(e => pool.Count(u => u.Label == e) < k).Select(e => e.Name()).ToList();
}
