using Emolingua.Corpora;
using Emolingua.Training.FewShot;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// An experiment recipe's optional "few_shot" section: every trained model of the grid is adapted to each
/// low-resource test corpus it is evaluated on, with k labelled clips per class from that corpus's training folds,
/// <see cref="Draws"/> seeded draws per k, and evaluated on the test fold.
/// </summary>
public sealed class FewShotSection
{
    /// <summary>Shots per class (k = 0, zero-shot, is always reported beside them).</summary>
    public List<int> K { get; set; } = [1, 2, 5, 10, 20];
    public int Draws { get; set; } = 3;

    /// <summary>Seeds the draws (the same clips for every model of a fold, so methods are compared on equal
    /// shots).</summary>
    public int Seed { get; set; }

    /// <summary>"head" (default: the head on frozen, cached embeddings) or "full" (fine-tune the model with the
    /// recipe's optimiser).</summary>
    public AdaptationMode Mode { get; set; } = AdaptationMode.Head;

    /// <summary>Test corpus kinds to adapt to; null = every test corpus whose language is not English.</summary>
    public List<string>? Corpora { get; set; }

    /// <summary>Head: full-batch AdamW steps. Full: training steps.</summary>
    public int Steps { get; set; } = 100;

    /// <summary>Head mode's learning rate (full mode uses the run's recipe).</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Head mode's weight decay (full mode uses the run's recipe).</summary>
    public double WeightDecay { get; set; } = 0.01;

    public HeadOptions Head => new(Steps, LearningRate, WeightDecay);

    public void Validate(string source, IEnumerable<string> testCorpora)
    {
        if (K.Count == 0 || K.Any(k => k < 1))
        {
            throw new EmolinguaException(
                source,
                "few_shot.k: one or more shot counts, each at least 1 (k = 0 is the zero-shot result, always shown)"
            );
        }

        if (Draws < 1)
            throw new EmolinguaException(source, "few_shot.draws must be at least 1");
        if (Steps < 1)
            throw new EmolinguaException(source, "few_shot.steps must be at least 1");
        if (!(LearningRate > 0))
            throw new EmolinguaException(source, "few_shot.learning_rate must be positive");
        var kinds = testCorpora.ToList();
        foreach (var c in Corpora ?? [])
        {
            if (!kinds.Contains(c))
                throw new EmolinguaException(source, $"few_shot.corpora names '{c}', which test_corpora does not list");
        }
    }

    /// <summary>True when this corpus gets few-shot curves.</summary>
    public bool Covers(ICorpus corpus) => Corpora?.Contains(corpus.Kind) ?? corpus.Language != "en";
}
