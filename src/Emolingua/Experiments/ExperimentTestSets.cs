using Emolingua.Corpora;
using Emolingua.Training;

namespace Emolingua.Experiments;

/// <summary>
/// A grid's test corpora (optional ones that are absent left out) and their per-fold test sets, each listed once and
/// shared by the cells and the report of one process.
/// </summary>
public sealed class ExperimentTestSets
{
    private readonly ExperimentRecipe _exp;
    private readonly Dictionary<string, ICorpus> _corpora = new();
    private readonly Dictionary<(string Kind, int Fold), List<Utterance>> _sets = new();

    public ExperimentTestSets(ExperimentRecipe exp, string? dataDir)
    {
        _exp = exp;
        foreach (var c in exp.TestCorpora)
        {
            var root = TrainingData.ResolveRoot(c.Root, dataDir);
            if (c.Optional && !Directory.Exists(root))
                continue;
            _corpora[c.Kind] = Corpus.Open(c.Kind, root);
        }
    }

    /// <summary>The present test corpora, in the recipe's order.</summary>
    public IReadOnlyCollection<string> Kinds => _corpora.Keys;

    public ICorpus CorpusOf(string kind) => _corpora[kind];

    public List<Utterance> Get(string kind, int fold)
    {
        if (!_sets.TryGetValue((kind, fold), out var set))
            set = _sets[(kind, fold)] = Folds.TestFold(_corpora[kind], fold, _exp.FoldCount, _exp.FoldSeed);
        return set;
    }
}
