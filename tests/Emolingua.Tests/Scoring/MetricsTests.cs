using Emolingua.Scoring;

namespace Emolingua.Tests.Scoring;

public class MetricsTests
{
    private const int Tol = 12; // decimal places for xunit's Equal(double, double, precision)

    [Fact]
    public void SklearnF1Docstring_Example()
    {
        // spec §8 / sklearn f1_score docstring: y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1].
        int[] t = [0, 1, 2, 0, 1, 2],
            p = [0, 2, 1, 0, 0, 1];
        var s = Metrics.Compute(t, p, 3);
        Assert.Equal(1.0 / 3, s.Accuracy, Tol);
        Assert.Equal(0.26666666666666666, s.MacroF1, Tol);
        Assert.Equal(1.0 / 3, s.Uar, Tol);
        Assert.Equal([0.8, 0, 0], s.PerClass.Select(c => Math.Round(c.F1, 12)));
        Assert.Equal([1.0, 0, 0], s.PerClass.Select(c => c.Recall));
    }

    [Fact]
    public void SklearnBalancedAccuracyDocstring_Example()
    {
        // spec §8 / sklearn balanced_accuracy_score docstring.
        int[] t = [0, 1, 0, 0, 1, 0],
            p = [0, 1, 0, 0, 0, 1];
        Assert.Equal(0.625, Metrics.Uar(t, p, 2), Tol);
        Assert.Equal(4.0 / 6, Metrics.Accuracy(t, p), Tol);
        Assert.Equal(0.625, Metrics.MacroF1(t, p, 2), Tol);
    }

    [Fact]
    public void Imbalanced_UarDiffersFromAccuracy()
    {
        // Hand: recalls 7/8, 1/2, 1, 0 → UAR 0.59375; 9/12 correct. Macro F1 0.5808823529411765 from
        // sklearn 1.2.1 f1_score(labels=[0,1,2,3], average="macro", zero_division=0), pasted.
        int[] t = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3],
            p = [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 2, 0];
        var s = Metrics.Compute(t, p, 4);
        Assert.Equal(0.75, s.Accuracy, Tol);
        Assert.Equal(0.59375, s.Uar, Tol);
        Assert.Equal(0.5808823529411765, s.MacroF1, Tol);
        Assert.NotEqual(s.Accuracy, s.Uar);
    }

    [Fact]
    public void NeverPredictedAndAbsentClasses()
    {
        // Class 3 is never predicted (F1 0), class 2 never occurs in y_true (excluded from UAR, F1 0 in macro F1).
        // Reference from sklearn 1.2.1 (pasted): acc 0.5, macro F1 0.2976190476190476, balanced acc 0.4444444444444444,
        // confusion [[1,1,1,0],[0,3,0,0],[0,0,0,0],[2,0,0,0]], precision [1/3, 0.75, 0, 0].
        int[] t = [0, 0, 1, 1, 3, 3, 0, 1],
            p = [0, 1, 1, 1, 0, 0, 2, 1];
        var s = Metrics.Compute(t, p, 4);
        Assert.Equal(0.5, s.Accuracy, Tol);
        Assert.Equal(0.2976190476190476, s.MacroF1, Tol);
        Assert.Equal(4.0 / 9, s.Uar, Tol);
        int[][] expected =
        [
            [1, 1, 1, 0],
            [0, 3, 0, 0],
            [0, 0, 0, 0],
            [2, 0, 0, 0],
        ];
        Assert.Equal(expected, s.ConfusionMatrix);
        Assert.Equal(1.0 / 3, s.PerClass[0].Precision, Tol);
        Assert.Equal(0.75, s.PerClass[1].Precision, Tol);
        Assert.Equal(0, s.PerClass[2].F1);
        Assert.Equal(0, s.PerClass[3].F1);
        Assert.Equal([3, 3, 0, 2], s.PerClass.Select(c => c.Support));
    }

    [Fact]
    public void RejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => Metrics.Compute([0, 1], [0], 4));
        Assert.Throws<ArgumentException>(() => Metrics.Compute([0, 4], [0, 1], 4));
        Assert.Throws<ArgumentException>(() => Metrics.Compute([], [], 4));
    }

    [Fact]
    public void AccuracyByGroup_AndSpeaker()
    {
        int[] t = [0, 1, 2, 3, 0, 1],
            p = [0, 1, 0, 0, 0, 2];
        var g = Metrics.AccuracyByGroup(t, p, ["female", "female", "male", "male", "unknown", "male"]);
        Assert.Equal(["female", "male", "unknown"], g.Keys);
        Assert.Equal(new GroupAccuracy(1.0, 2), g["female"]);
        Assert.Equal(new GroupAccuracy(0.0, 3), g["male"]);
        Assert.Equal(new GroupAccuracy(1.0, 1), g["unknown"]);
        var s = Metrics.AccuracyBySpeaker(t, p, ["s1", "s1", "s1", "s2", "s2", "s2"]);
        Assert.Equal(2.0 / 3, s["s1"].Accuracy, Tol);
        Assert.Equal(1.0 / 3, s["s2"].Accuracy, Tol);
    }

    [Fact]
    public void Bootstrap_ContainsEstimate_AndIsDeterministicPerSeed()
    {
        var rng = new Random(3);
        var n = 200;
        var t = new int[n];
        var p = new int[n];
        for (var i = 0; i < n; i++)
        {
            t[i] = rng.Next(4);
            p[i] = rng.NextDouble() < 0.7 ? t[i] : rng.Next(4);
        }
        var a = Metrics.Bootstrap(t, p, 4, resamples: 1000, seed: 42);
        var b = Metrics.Bootstrap(t, p, 4, resamples: 1000, seed: 42);
        var c = Metrics.Bootstrap(t, p, 4, resamples: 1000, seed: 43);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Accuracy, c.Accuracy);
        foreach (var ci in new[] { a.Accuracy, a.MacroF1, a.Uar })
        {
            Assert.InRange(ci.Estimate, ci.Lower, ci.Upper);
            Assert.True(ci.Upper - ci.Lower is > 0.02 and < 0.3, $"implausible CI width {ci.Lower}..{ci.Upper}");
        }
        Assert.Equal(Metrics.Accuracy(t, p), a.Accuracy.Estimate);
    }

    [Fact]
    public void Quantile_MatchesNumpyLinear()
    {
        // numpy.percentile([1,2,3,4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925] (linear interpolation, by hand).
        double[] v = [1, 2, 3, 4];
        Assert.Equal(1.075, Metrics.Quantile(v, 0.025), Tol);
        Assert.Equal(2.5, Metrics.Quantile(v, 0.5), Tol);
        Assert.Equal(3.925, Metrics.Quantile(v, 0.975), Tol);
    }
}
