using Emolingua.Evaluation;
using Emolingua.Scoring;

namespace Emolingua.Tests.Evaluation;

public class ReferenceScoresTests
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];

    [Fact]
    public void ChanceByHand()
    {
        // Truth: 3 angry, 2 happy, 1 neutral, no sad. Uniform guessing: recall 1/4 for every present class; precision
        // n_c / N: 1/2, 1/3, 1/6. F1: 1/3, 2/7, 1/5 and 0 for the absent class.
        int[] truth = [0, 0, 0, 1, 1, 2];
        var cell = ReferenceScores.Chance(
            "emodb",
            2,
            0,
            truth,
            Labels,
            ["female", "female", "male", "male", "male", "male"]
        );
        Assert.Equal(0.25, cell.Accuracy!.Value, 12);
        Assert.Equal(0.25, cell.Uar!.Value, 12);
        Assert.Equal((1.0 / 3 + 2.0 / 7 + 1.0 / 5 + 0) / 4, cell.MacroF1!.Value, 12);
        Assert.Equal("chance", cell.Method);
        Assert.Equal(6, cell.Count);
        Assert.Null(cell.ConfusionMatrix);
        Assert.Equal(0.25, cell.GenderAccuracy!["female"].Accuracy);
        Assert.Equal(4, cell.GenderAccuracy!["male"].Count);
    }

    [Fact]
    public void ChanceAccuracyAndUarAreWhatRandomGuessingScoresOnAverage()
    {
        // An independent check: simulate uniform guesses and average the metrics (Metrics, not ReferenceScores).
        int[] truth = [0, 0, 0, 0, 0, 1, 1, 2, 3, 3];
        var rng = new Random(5);
        double accuracy = 0,
            uar = 0;
        const int trials = 20000;
        for (var t = 0; t < trials; t++)
        {
            var guess = truth.Select(_ => rng.Next(4)).ToArray();
            accuracy += Metrics.Accuracy(truth, guess);
            uar += Metrics.Uar(truth, guess, 4);
        }
        var cell = ReferenceScores.Chance("urdu", 1, 0, truth, Labels);
        Assert.Equal(cell.Accuracy!.Value, accuracy / trials, 2);
        Assert.Equal(cell.Uar!.Value, uar / trials, 2);
    }

    [Fact]
    public void MajorityIsTheMostFrequentTrainingClassLowestOnTies()
    {
        Assert.Equal(2, ReferenceScores.MajorityClass([2, 2, 1, 0, 2], 4));
        Assert.Equal(0, ReferenceScores.MajorityClass([1, 0, 1, 0], 4));
        Assert.Throws<ArgumentException>(() => ReferenceScores.MajorityClass([], 4));
    }
}
