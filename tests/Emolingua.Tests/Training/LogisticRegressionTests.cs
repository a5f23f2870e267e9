using Emolingua.Training.Acoustic;

namespace Emolingua.Tests.Training;

/// <summary>
/// The acoustic baseline's classifier against scikit-learn 1.2.1's LogisticRegression and the exact optimum of the
/// same objective found by scipy's BFGS (reference/logreg_reference.py, pasted), and by hand. scikit-learn stops on a
/// relative objective change (its answer's gradient is about 2e-4), so it is matched to 1e-4; the optimum to 1e-8.
/// </summary>
public class LogisticRegressionTests
{
    // The reference script's data: 30 samples, y = (7i mod 13) mod 4, three features.
    private static (double[][] X, int[] Y) Data()
    {
        var y = Enumerable.Range(0, 30).Select(i => i * 7 % 13 % 4).ToArray();
        var x = Enumerable
            .Range(0, 30)
            .Select(i =>
                new[] { Math.Sin(1.1 * i) + 0.5 * y[i], Math.Cos(0.7 * i) - 0.3 * y[i], i * 37 % 11 / 5.0 - 1.0 }
            )
            .ToArray();
        return (x, y);
    }

    private static void AssertFit(LogisticRegression.Fit fit, double[][] coef, double[] intercept, double tolerance)
    {
        for (var c = 0; c < 4; c++)
        {
            for (var j = 0; j < 3; j++)
            {
                Assert.True(
                    Math.Abs(coef[c][j] - fit.Weights[c][j]) <= tolerance,
                    $"W[{c},{j}] = {fit.Weights[c][j]}, expected {coef[c][j]}"
                );
            }

            Assert.True(
                Math.Abs(intercept[c] - fit.Bias[c]) <= tolerance,
                $"b[{c}] = {fit.Bias[c]}, expected {intercept[c]}"
            );
        }
    }

    [Fact]
    public void BalancedL2FitMatchesScikitLearnAndTheOptimum()
    {
        var (x, y) = Data();
        var fit = LogisticRegression.Train(x, y, 4, 1.0, LogisticRegression.BalancedWeights(y, 4));
        AssertFit(
            fit,
            [
                [-0.9514023575, 0.5947380416, 0.2772574353],
                [-0.5545677264, 0.1421406772, 0.4467783804],
                [0.5327709545, -0.2450270682, -0.5213958609],
                [0.9731991294, -0.4918516506, -0.2026399548],
            ],
            [0.8336854394, 0.6464086610, -0.4136037827, -1.0664903177],
            1e-8
        );
        AssertFit(
            fit,
            [
                [-0.9514075600, 0.5947290206, 0.2772812206],
                [-0.5545678321, 0.1421425323, 0.4467510750],
                [0.5327858665, -0.2450358691, -0.5213993922],
                [0.9731895256, -0.4918356838, -0.2026329034],
            ],
            [0.8336799732, 0.6464335033, -0.4136270275, -1.0664864490],
            1e-4
        );
    }

    [Fact]
    public void UnweightedStrongPenaltyMatchesScikitLearnAndTheOptimum()
    {
        var (x, y) = Data();
        var fit = LogisticRegression.Train(x, y, 4, 0.1);
        AssertFit(
            fit,
            [
                [-0.3647539329, 0.2265454478, 0.0702779596],
                [-0.1690124699, 0.0339552938, 0.1115524761],
                [0.1856718477, -0.0991730688, -0.1211136005],
                [0.3480945552, -0.1613276729, -0.0607168352],
            ],
            [0.6145116096, 0.1188436603, -0.3539661576, -0.3793891122],
            1e-8
        );
        AssertFit(
            fit,
            [
                [-0.3647572944, 0.2265430456, 0.0702760686],
                [-0.1690039684, 0.0339517783, 0.1115497267],
                [0.1856434455, -0.0991549310, -0.1211079125],
                [0.3481178173, -0.1613398930, -0.0607178828],
            ],
            [0.6145028469, 0.1188612748, -0.3538906045, -0.3794735172],
            1e-4
        );
    }

    [Fact]
    public void BalancedWeightsByHand()
    {
        // 4 samples of class 0 and 1 of class 1, n = 5: 5 / (2·4) and 5 / (2·1).
        Assert.Equal(new[] { 0.625, 0.625, 0.625, 0.625, 2.5 }, LogisticRegression.BalancedWeights([0, 0, 0, 0, 1], 2));
        Assert.Throws<ArgumentException>(() => LogisticRegression.BalancedWeights([0, 0], 2));
    }

    [Fact]
    public void StandardisedModelClassifiesASeparableSetAndKeepsItsScale()
    {
        // Two features on very different scales, three classes separated along the first: the trained model must
        // undo the scale (mean/std of the training set) and classify every point.
        var x = new List<double[]>();
        var y = new List<int>();
        for (var c = 0; c < 3; c++)
        {
            for (var k = 0; k < 5; k++)
            {
                x.Add([1000 * c + 10 * k, 0.001 * k]);
                y.Add(c);
            }
        }

        var model = AcousticTraining.Train(x, y, ["a", "b", "c"], ["f1", "f2"]);
        Assert.Equal(1000 + 20, model.Mean[0], 9); // mean of 0..40, 1000..1040, 2000..2040
        Assert.Equal(0.002, model.Mean[1], 12);
        for (var i = 0; i < x.Count; i++)
        {
            var p = model.Probabilities(x[i]);
            Assert.Equal(1, p.Sum(), 9);
            Assert.Equal(y[i], Array.IndexOf(p, p.Max()));
        }
    }
}
