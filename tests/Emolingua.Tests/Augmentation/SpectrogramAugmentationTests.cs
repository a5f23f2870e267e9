using Emolingua.Augmentation.Spectrogram;
using TorchSharp;
using static Emolingua.Tests.Augmentation.AugmentationTestData;
using static TorchSharp.torch;

namespace Emolingua.Tests.Augmentation;

public class SpectrogramAugmentationTests
{
    /// <summary>Indices where <paramref name="flags"/> is true must form one run; returns its length.</summary>
    private static int ContiguousRunLength(bool[] flags)
    {
        var idx = Enumerable.Range(0, flags.Length).Where(i => flags[i]).ToArray();
        if (idx.Length == 0)
            return 0;
        Assert.Equal(idx.Length, idx[^1] - idx[0] + 1);
        return idx.Length;
    }

    [Theory]
    [InlineData(SpectrogramFill.Mean)]
    [InlineData(SpectrogramFill.Min)]
    public void SpecAugmentMasksAreContiguousBandsNoWiderThanParams(SpectrogramFill fill)
    {
        using var scope = torch.NewDisposeScope();
        const int b = 24,
            f = 40,
            t = 120,
            maxF = 12,
            maxT = 30;
        var x = LogMels(b, f, t);
        using var g = new Generator(21);
        var y = new SpecAugment(maxF, 1, maxT, 1, fill: fill, p: 1).Apply(x, g);
        var xs = Host(x);
        var ys = Host(y);
        int nonEmptyF = 0,
            nonEmptyT = 0;
        for (var e = 0; e < b; e++)
        {
            var ex = xs.Skip(e * f * t).Take(f * t).ToArray();
            var ey = ys.Skip(e * f * t).Take(f * t).ToArray();
            var expected = fill == SpectrogramFill.Mean ? ex.Average() : ex.Min();
            bool Masked(int m, int k) => ey[m * t + k] != ex[m * t + k];
            var rows = Enumerable
                .Range(0, f)
                .Select(m => Enumerable.Range(0, t).All(k => Masked(m, k) || ex[m * t + k] == expected))
                .ToArray();
            var cols = Enumerable
                .Range(0, t)
                .Select(k => Enumerable.Range(0, f).All(m => Masked(m, k) || ex[m * t + k] == expected))
                .ToArray();
            int wf = ContiguousRunLength(rows),
                wt = ContiguousRunLength(cols);
            Assert.InRange(wf, 0, maxF);
            Assert.InRange(wt, 0, maxT);
            nonEmptyF += wf > 0 ? 1 : 0;
            nonEmptyT += wt > 0 ? 1 : 0;
            for (var m = 0; m < f; m++)
            {
                for (var k = 0; k < t; k++)
                {
                    if (rows[m] || cols[k])
                        Assert.Equal(expected, ey[m * t + k], 5);
                    else
                        Assert.Equal(ex[m * t + k], ey[m * t + k]);
                }
            }
        }
        Assert.True(nonEmptyF > b / 2 && nonEmptyT > b / 2, $"masks too often empty: {nonEmptyF}, {nonEmptyT}");
    }

    [Fact]
    public void TimeMasksRespectMaxTimeFraction()
    {
        using var scope = torch.NewDisposeScope();
        const int b = 32,
            f = 10,
            t = 100;
        var x = LogMels(b, f, t);
        using var g = new Generator(5);
        // T = 50 frames, but 10 % of 100 frames caps it at 10.
        var y = new SpecAugment(0, 0, 50, 1, maxTimeFraction: 0.1, p: 1).Apply(x, g);
        var changed = Host(y.ne(x).any(1).to(ScalarType.Float32)); // [B, T]
        for (var e = 0; e < b; e++)
            Assert.InRange(ContiguousRunLength(changed.Skip(e * t).Take(t).Select(v => v > 0).ToArray()), 0, 10);
    }

    [Fact]
    public void SpectralStretchOfARampIsTheHandComputedRamp()
    {
        using var scope = torch.NewDisposeScope();
        const int f = 11;
        // x[b, m, t] = m: a ramp along the mel axis, 2 frames.
        var ramp = torch.arange(f, dtype: ScalarType.Float32).reshape(1, f, 1).expand(2, f, 2).contiguous();
        var factor = torch.tensor(new float[] { 2f, 0.5f }).reshape(2, 1);
        var y = Host(SpectralStretch.StretchMel(ramp, factor));
        for (var m = 0; m < f; m++)
        {
            Assert.Equal(m / 2f, y[m * 2], 5); // stretched ×2: out[m] = x[m/2] = m/2
            Assert.Equal(Math.Min(2f * m, f - 1), y[f * 2 + m * 2], 5); // compressed: x[2m], top bin repeated
        }
    }

    [Fact]
    public void SpectralStretchWithUnitFactorIsIdentity()
    {
        using var scope = torch.NewDisposeScope();
        var x = LogMels(3, 80, 50);
        using var g = new Generator(1);
        Assert.Equal(Host(x), Host(new SpectralStretch(1.0, 1.0, p: 1).Apply(x, g)));
    }

    [Fact]
    public void RandomResizeCropWithUnitScalesIsIdentity()
    {
        using var scope = torch.NewDisposeScope();
        var x = LogMels(3, 80, 300);
        using var g = new Generator(1);
        var y = new RandomResizeCrop((1.0, 1.0), (1.0, 1.0), (1.0, 1.0), p: 1).Apply(x, g);
        Assert.True(y.allclose(x, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void RandomResizeCropPadsWithTheExampleSilenceFloor()
    {
        using var scope = torch.NewDisposeScope();
        const int f = 20,
            t = 64;
        // different floors per example
        var x = LogMels(2, f, t) + torch.tensor(new float[] { 0f, 3f }).reshape(2, 1, 1);
        using var g = new Generator(1);
        // Canvas twice as long, crop = the whole canvas: the input sits in the middle half, silence around it.
        var y = new RandomResizeCrop((1.0, 2.0), (1.0, 1.0), (2.0, 2.0), SpectrogramFill.Min, p: 1).Apply(x, g);
        var min = Host(x.reshape(2, -1).min(1).values);
        var leftEdge = Host(y.narrow(2, 0, 8)); // [2, F, 8]
        for (var e = 0; e < 2; e++)
        {
            foreach (var v in leftEdge.Skip(e * f * 8).Take(f * 8))
                Assert.Equal(min[e], v, 4);
        }
    }

    [Fact]
    public void RandomResizeCropOfAConstantStaysConstant()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.full(new long[] { 4, 16, 40 }, -0.7f);
        using var g = new Generator(8);
        var y = new RandomResizeCrop(p: 1).Apply(x, g);
        Assert.True(y.allclose(x, rtol: 0, atol: 1e-5));
    }
}
