using Emolingua.Scoring;

namespace Emolingua.Tests.Scoring;

public class TemperatureScalingTests
{
    private static float[] Softmax(float[] z) // float reference, independent of the library
    {
        var max = z.Max();
        var e = z.Select(v => MathF.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>
    /// Clips whose logits z are calibrated by construction (each label is drawn from softmax(z)), shown to the fit as
    /// <paramref name="factor"/>·z: the temperature that undoes the distortion is the factor itself.
    /// </summary>
    private static (List<IReadOnlyList<float[]>> Clips, List<int> Labels) Distorted(double factor, int n, int seed)
    {
        var rng = new Random(seed);
        var clips = new List<IReadOnlyList<float[]>>();
        var labels = new List<int>();
        for (var i = 0; i < n; i++)
        {
            var z = Enumerable.Range(0, 4).Select(_ => (float)(1.5 * Gaussian(rng))).ToArray();
            var p = Softmax(z);
            double u = rng.NextDouble(),
                cumulative = 0;
            var label = 3;
            for (var k = 0; k < 4; k++)
            {
                if ((cumulative += p[k]) > u)
                {
                    label = k;
                    break;
                }
            }

            clips.Add([z.Select(v => (float)(v * factor)).ToArray()]);
            labels.Add(label);
        }
        return (clips, labels);
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Theory]
    [InlineData(3.0)] // overconfident logits
    [InlineData(0.5)] // underconfident logits
    public void Fit_RecoversTheKnownScale_AndLowersEce(double factor)
    {
        var (clips, labels) = Distorted(factor, 6000, seed: 11);
        var fit = TemperatureScaling.FitTemperature(clips, labels);
        Assert.InRange(fit.Temperature, factor * 0.92, factor * 1.08);
        Assert.True(fit.EceAfter < fit.EceBefore, $"ECE {fit.EceBefore} -> {fit.EceAfter}");
        Assert.True(fit.EceAfter < 0.03, $"calibrated ECE {fit.EceAfter}");
        Assert.True(fit.NllAfter < fit.NllBefore);
        Assert.Equal(6000, fit.Clips);
        // The fitted T is a minimum of the NLL: 3 % either side is worse.
        Assert.True(TemperatureScaling.NegativeLogLikelihood(clips, labels, fit.Temperature * 1.03) > fit.NllAfter);
        Assert.True(TemperatureScaling.NegativeLogLikelihood(clips, labels, fit.Temperature / 1.03) > fit.NllAfter);
    }

    [Fact]
    public void Ece_HandComputedExample()
    {
        float[][] p =
        [
            [0.90f, 0.05f, 0.03f, 0.02f], // confidence 0.90, correct   -> bin (13/15, 14/15]
            [0.92f, 0.04f, 0.02f, 0.02f], // confidence 0.92, wrong     -> same bin
            [0.10f, 0.50f, 0.30f, 0.10f], // confidence 0.50, correct   -> bin (7/15, 8/15]
            [0.41f, 0.30f, 0.19f, 0.10f], // confidence 0.41, wrong     -> bin (6/15, 7/15]
        ];
        int[] labels = [0, 1, 1, 2];
        // 2/4·|1/2 − 0.91| + 1/4·|1 − 0.5| + 1/4·|0 − 0.41| = 0.205 + 0.125 + 0.1025
        Assert.Equal(0.4325, TemperatureScaling.ExpectedCalibrationError(p, labels), 6);
        // One bin: |accuracy − mean confidence| = |0.5 − 0.6825|.
        Assert.Equal(0.1825, TemperatureScaling.ExpectedCalibrationError(p, labels, bins: 1), 6);
    }

    [Fact]
    public void Nll_OfAClipIsTheLogOfItsWindowsMeanProbability()
    {
        // Windows [1, 0] and [0, 1]: softmax gives e/(1+e) and 1/(1+e) for class 0, whose mean is exactly 1/2.
        IReadOnlyList<float[]> clip =
        [
            [1f, 0f],
            [0f, 1f],
        ];
        Assert.Equal(Math.Log(2), TemperatureScaling.NegativeLogLikelihood([clip], [0], 1), 12);
        // One window [2, 0] at T = 2: softmax([1, 0])[0] = e/(e+1), NLL = log(1 + 1/e).
        Assert.Equal(
            Math.Log(1 + Math.Exp(-1)),
            TemperatureScaling.NegativeLogLikelihood(
                [
                    [
                        [2f, 0f],
                    ],
                ],
                [0],
                2
            ),
            12
        );
    }

    [Fact]
    public void Rescale_RecoversTheUncalibratedSoftmax()
    {
        var rng = new Random(3);
        for (var trial = 0; trial < 20; trial++)
        {
            var z = Enumerable.Range(0, 4).Select(_ => (float)(4 * Gaussian(rng))).ToArray();
            var t = 0.3 + 3 * rng.NextDouble();
            var calibrated = Softmax(z.Select(v => (float)(v / t)).ToArray());
            var expected = Softmax(z);
            var actual = TemperatureScaling.Rescale(calibrated, t, 1);
            for (var k = 0; k < 4; k++)
                Assert.InRange(actual[k], expected[k] - 2e-5, expected[k] + 2e-5);
        }
    }
}
