using Emolingua.Inference;

namespace Emolingua.Tests.Inference;

/// <summary>The one clip scorer against hand-computed windows, means, labels and losses.</summary>
public class ClipScorerTests
{
    /// <summary>An engine of 1 s windows (16000 samples) whose probabilities are fixed by the window's first
    /// sample.</summary>
    private sealed class FirstSampleEngine : IEmotionEngine
    {
        public List<int> BatchSizes { get; } = [];
        public string Name => "fixed";
        public double Seconds => 1;
        public string Method => "test";
        public IReadOnlyList<string> Labels { get; } = ["angry", "happy", "neutral", "sad"];
        public double Temperature => 1;

        public (float[][] Probabilities, float[][]? Embeddings) Classify(
            IReadOnlyList<float[]> windows,
            bool embeddings = false
        )
        {
            BatchSizes.Add(windows.Count);
            // window starting with value v: probabilities [v, 1 − v, 0, 0]; embedding [v, 2v]
            var p = windows.Select(w => new[] { w[0], 1 - w[0], 0f, 0f }).ToArray();
            return (p, embeddings ? windows.Select(w => new[] { w[0], 2 * w[0] }).ToArray() : null);
        }

        public void Dispose() { }
    }

    [Fact]
    public void Score_AveragesEachClipsWindows_AndTakesTheTopClass()
    {
        // Clip 0: 0.5 s (one window, zero-padded). Clip 1: 2 s at 16 kHz → windows at 0, 0.5 s, 1 s (hop 8000).
        var shortClip = Enumerable.Repeat(0.9f, 8000).ToArray();
        var longClip = new float[32000];
        longClip[0] = 0.1f;
        longClip[8000] = 0.2f;
        longClip[16000] = 0.6f;
        using var engine = new FirstSampleEngine();
        var scores = ClipScorer.Score(engine, [shortClip, longClip], embeddings: true);

        Assert.Single(engine.BatchSizes); // one call for all windows
        Assert.Equal(4, engine.BatchSizes[0]);
        Assert.Equal([0, 1, 1, 1], scores.WindowClips);
        Assert.Equal([0, 0, 8000, 16000], scores.Windows!.Select(w => w.Start));
        Assert.Equal(0.9f, scores.Probabilities[0][0], 6);
        Assert.Equal((0.1f + 0.2f + 0.6f) / 3, scores.Probabilities[1][0], 6); // 0.3
        Assert.Equal((0.9f + 0.8f + 0.4f) / 3, scores.Probabilities[1][1], 6); // 0.7
        Assert.Equal([0, 1], scores.Predicted);
        Assert.Equal(0.7f, scores.Confidence(1), 6);
        Assert.Equal(2 * 0.3f, scores.Embeddings![1][1], 6);
    }

    [Fact]
    public void ArgMax_TakesTheFirstOfEqualMaxima() =>
        Assert.Equal(1, Emolingua.Scoring.ClassProbabilities.ArgMax([0.1f, 0.4f, 0.4f, 0.1f]));

    [Fact]
    public void NegativeLogLikelihood_FloorsAZeroProbability()
    {
        var nll = Emolingua.Scoring.ClassProbabilities.NegativeLogLikelihood(
            [
                [0.25f, 0.75f],
                [1f, 0f],
            ],
            [1, 1]
        );
        Assert.Equal((-Math.Log(0.75) - Math.Log(1e-12)) / 2, nll, 9);
    }

    [Fact]
    public void FromWindows_GroupsRowsByTheirClip()
    {
        var rows = new[] { new[] { 1f, 0f }, new[] { 0f, 1f }, new[] { 0.5f, 0.5f } };
        var scores = ClipScorer.FromWindows([1, 0, 1], 2, rows);
        Assert.Equal([0f, 1f], scores.Probabilities[0]);
        Assert.Equal([0.75f, 0.25f], scores.Probabilities[1]);
        Assert.Equal(2, scores.ByClip(rows)[1].Count);
        Assert.Same(rows[1], scores.ByClip(rows)[0][0]);
    }
}
