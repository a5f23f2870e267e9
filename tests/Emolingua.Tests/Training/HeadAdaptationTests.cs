using Emolingua.Models;
using Emolingua.Training.FewShot;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training;

/// <summary>Head-only adaptation on synthetic embeddings whose classes are separable with a wide margin.</summary>
public class HeadAdaptationTests
{
    // Class c's embeddings: 4 · (unit vector c) + N(0, 0.3²) in 8 dimensions; nearest class means are 5.7 apart.
    private static (List<float[]> X, List<int> Y) Sample(int perClass, int seed)
    {
        var rng = new Random(seed);
        var x = new List<float[]>();
        var y = new List<int>();
        for (var c = 0; c < 4; c++)
        {
            for (var i = 0; i < perClass; i++)
            {
                var e = new float[8];
                for (var d = 0; d < 8; d++)
                {
                    var gaussian =
                        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    e[d] = (float)((d == c ? 4 : 0) + 0.3 * gaussian);
                }
                x.Add(e);
                y.Add(c);
            }
        }

        return (x, y);
    }

    private static double Accuracy(ClassificationHead head, List<float[]> x, List<int> y)
    {
        var p = HeadAdaptation.Probabilities(head, x);
        return p.Select((row, i) => Array.IndexOf(row, row.Max()) == y[i] ? 1.0 : 0.0).Average();
    }

    private static ShotEmbeddings Shots(List<float[]> x, List<int> y) =>
        new(x, y, Enumerable.Range(0, x.Count).ToList());

    [Fact]
    public void FiveShotsPerClassSeparateHeldOutEmbeddings()
    {
        random.manual_seed(11);
        using var english = new ClassificationHead(8, 16, 4, 0.1);
        var (test, testY) = Sample(50, seed: 2);
        var before = Accuracy(english, test, testY);
        var (shots, shotY) = Sample(5, seed: 1);
        var englishWeights = english.fc2.weight!.data<float>().ToArray();
        var options = new HeadOptions(Steps: 200, LearningRate: 1e-2);
        using var adapted = HeadAdaptation.Adapt(english, Shots(shots, shotY), options, seed: 0);
        // A random head is near chance; 20 shots of a separable problem give every held-out point.
        Assert.InRange(before, 0, 0.6);
        Assert.Equal(1.0, Accuracy(adapted, test, testY));
        Assert.Equal(englishWeights, english.fc2.weight!.data<float>().ToArray()); // the source head is untouched
        Assert.False(adapted.training);
        // Same seed, same head.
        using var again = HeadAdaptation.Adapt(english, Shots(shots, shotY), options, seed: 0);
        Assert.Equal(adapted.fc2.weight!.data<float>().ToArray(), again.fc2.weight!.data<float>().ToArray());
    }

    [Fact]
    public void HeadsTrainedTogetherEqualHeadsTrainedAlone()
    {
        // Without dropout nothing is random, so each head of a joint run must match its own run (sets of different
        // sizes).
        random.manual_seed(12);
        using var english = new ClassificationHead(8, 16, 4, 0.0);
        var sets = new[] { 1, 3, 5 }
            .Select(k =>
            {
                var (x, y) = Sample(k, seed: 10 + k);
                return Shots(x, y);
            })
            .ToList();
        var options = new HeadOptions(Steps: 30, LearningRate: 1e-2);
        var together = HeadAdaptation.Adapt(english, sets, options, seed: 0);
        for (var i = 0; i < sets.Count; i++)
        {
            using var alone = HeadAdaptation.Adapt(english, sets[i], options, seed: 0);
            foreach (var (name, t) in alone.state_dict())
            {
                var a = t.data<float>().ToArray();
                var b = together[i].state_dict()[name].data<float>().ToArray();
                Assert.Equal(a.Length, b.Length);
                for (var j = 0; j < a.Length; j++)
                    Assert.True(Math.Abs(a[j] - b[j]) < 1e-5, $"set {i} {name}[{j}]: {a[j]} alone, {b[j]} together");
            }
            together[i].Dispose();
        }
    }

    [Fact]
    public void EveryClipAndClassWeighsTheSame()
    {
        // Class 0: clip 0 with 2 windows and clip 1 with 1; class 1: clip 2 with 1 window. Two classes present:
        // 1 / (windows · clips of the class · 2).
        var w = HeadAdaptation.SampleWeights([0, 0, 0, 1], [0, 0, 1, 2]);
        Assert.Equal(new[] { 0.125f, 0.125f, 0.25f, 0.5f }, w);
        Assert.Equal(1f, w.Sum(), 6);
    }
}
