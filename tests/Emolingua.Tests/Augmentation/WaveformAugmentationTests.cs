using Emolingua.Augmentation.Waveform;
using TorchSharp;
using static Emolingua.Tests.Augmentation.AugmentationTestData;
using static TorchSharp.torch;

namespace Emolingua.Tests.Augmentation;

public class WaveformAugmentationTests
{
    [Theory]
    [InlineData(15.0)]
    [InlineData(10.0)]
    public void NoiseHasRequestedSnr(double snrDb)
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(3, 10 * SampleRate, 440).to(ScalarType.Float64); // 10 s: sample-variance error ~0.02 dB
        using var g = new Generator(11);
        var y = new GaussianNoiseSnr(snrDb, snrDb, p: 1).Apply(x, g);
        var noise = y - x;
        var measured = 10 * torch.log10(x.square().mean(new long[] { 1 }) / noise.square().mean(new long[] { 1 }));
        foreach (var m in Host(measured))
            Assert.InRange(m, snrDb - 0.3, snrDb + 0.3);
        // Independent noise per example.
        Assert.False(noise[0].allclose(noise[1]));
    }

    [Fact]
    public void NoiseSnrStaysInRequestedRange()
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(8, 4 * SampleRate, 300).to(ScalarType.Float64);
        using var g = new Generator(3);
        var noise = new GaussianNoiseSnr(10, 20, p: 1).Apply(x, g) - x;
        var measured = Host(
            10 * torch.log10(x.square().mean(new long[] { 1 }) / noise.square().mean(new long[] { 1 }))
        );
        foreach (var m in measured)
            Assert.InRange(m, 9.7, 20.3);
        Assert.True(measured.Max() - measured.Min() > 1.0, "SNR should be drawn per example");
    }

    [Fact]
    public void PolarityInversionIsExactNegation()
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(3, 1000);
        using var g = new Generator(1);
        var y = new PolarityInversion(p: 1).Apply(x, g);
        Assert.Equal(Host(x.neg()), Host(y));
    }

    [Fact]
    public void FixedGainIsExactInDb()
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(2, 1000).to(ScalarType.Float64);
        using var g = new Generator(1);
        var y = new Gain(6, 6, p: 1).Apply(x, g);
        // 10^(6/20) = 1.9952623149688795
        Assert.True(y.allclose(x * 1.9952623149688795, rtol: 1e-6, atol: 1e-9));
    }

    [Fact]
    public void RandomGainIsOneFactorPerExampleWithinRange()
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(6, 2000).to(ScalarType.Float64) + 1.0; // strictly positive: ratio defined everywhere
        using var g = new Generator(2);
        var ratio = new Gain(-6, 3, p: 1).Apply(x, g) / x; // [B, T]
        var db = Host(20 * torch.log10(ratio));
        for (var b = 0; b < 6; b++)
        {
            var row = db.Skip(b * 2000).Take(2000).ToArray();
            Assert.InRange(row[0], -6.0, 3.0);
            Assert.True(row.Max() - row.Min() < 1e-6, "gain must be constant within an example");
        }
    }

    [Theory]
    [InlineData(1.1, 1100.0)]
    [InlineData(0.9, 900.0)]
    public void SpeedPerturbScalesFrequencyByFactor(double factor, double expectedHz)
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(1, 2 * SampleRate, 1000); // 1 kHz, 2 s
        using var g = new Generator(1);
        var y = new SpeedPerturb(new[] { factor }, p: 1).Apply(x, g);
        Assert.Equal(x.shape, y.shape);
        // Analyse the part that holds audio in both cases (faster audio is ~T/1.1 long, then zeros).
        long n = SampleRate; // 1 s → 1 Hz FFT resolution
        Assert.InRange(PeakHz(y[0].narrow(0, 1000, n)), expectedHz - 1.5, expectedHz + 1.5);
        Assert.InRange(PeakHz(x[0].narrow(0, 1000, n)), 998.5, 1001.5);
        // Band-limited resampling keeps the tone's level (passband gain ≈ 1).
        var rmsIn = x[0].narrow(0, 1000, n).square().mean().sqrt().item<float>();
        var rmsOut = y[0].narrow(0, 1000, n).square().mean().sqrt().item<float>();
        Assert.InRange(rmsOut / rmsIn, 0.99, 1.01);
    }

    [Fact]
    public void FasterSpeechIsPaddedWithSilenceAtTheEnd()
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(1, SampleRate, 1000);
        using var g = new Generator(1);
        var y = new SpeedPerturb(new[] { 1.25 }, p: 1).Apply(x, g);
        // ceil(16000 / 1.25) = 12800 resampled samples, then zeros.
        Assert.Equal(0f, y[0].narrow(0, 12800, SampleRate - 12800).abs().max().item<float>());
        Assert.True(y[0].narrow(0, 12000, 700).abs().max().item<float>() > 0.4f);
    }

    [Fact]
    public void SpeedPerturbMixesFactorsWithinOneBatch()
    {
        using var scope = torch.NewDisposeScope();
        var row = Sines(1, SampleRate, 1000);
        var x = row.expand(16, SampleRate).contiguous();
        using var g = new Generator(4);
        var y = new SpeedPerturb(new[] { 0.9, 1.0, 1.1 }, p: 1).Apply(x, g);
        var peaks = Enumerable
            .Range(0, 16)
            .Select(b => Math.Round(PeakHz(y[b].narrow(0, 0, 14000)) / 100) * 100)
            .ToHashSet();
        Assert.Equal(new HashSet<double> { 900, 1000, 1100 }, peaks);
    }
}
