using Emolingua.Features.Acoustic;

namespace Emolingua.Tests.Features;

/// <summary>
/// The acoustic baseline's descriptors against signals whose answers are known by construction: the f0 of tones and
/// harmonic complexes, the RMS of a sine, spectral centroid / alpha ratio / Hammarberg index of tones that sit on FFT
/// bins (a Hann-windowed tone with a whole number of periods in 400 samples puts power 1/4, 1, 1/4 on bins k−1, k,
/// k+1 and nothing elsewhere, so the band sums and centroids below are exact), and voicing of silence, noise and tones.
/// </summary>
public class AcousticFeaturesTests
{
    private const int Rate = 16000;

    private static float[] Tones(double seconds, params (double Hz, double Amplitude)[] partials)
    {
        var x = new float[(int)(seconds * Rate)];
        for (var i = 0; i < x.Length; i++)
        {
            double v = 0;
            foreach (var (hz, a) in partials)
                v += a * Math.Sin(2 * Math.PI * hz * i / Rate + 0.3);
            x[i] = (float)v;
        }
        return x;
    }

    private static float[] Noise(double seconds, double amplitude, int seed)
    {
        var rng = new Random(seed);
        return Enumerable
            .Range(0, (int)(seconds * Rate))
            .Select(_ => (float)(amplitude * (2 * rng.NextDouble() - 1)))
            .ToArray();
    }

    [Theory]
    [InlineData(65.0)]
    [InlineData(110.0)]
    [InlineData(196.0)]
    [InlineData(261.6)]
    [InlineData(440.0)]
    [InlineData(493.9)]
    public void PitchOfPureTonesWithinOnePercent(double hz)
    {
        var d = AcousticFeatures.Describe(Tones(1.0, (hz, 0.5)));
        var voiced = Enumerable.Range(0, d.Count).Where(t => d.Voiced[t]).ToList();
        Assert.True(voiced.Count >= 0.95 * d.Count, $"{voiced.Count} of {d.Count} frames voiced");
        Assert.All(voiced, t => Assert.InRange(d.F0Hz[t], hz * 0.99, hz * 1.01));
    }

    [Theory]
    [InlineData(100.0, 8)]
    [InlineData(150.0, 6)]
    [InlineData(230.0, 4)]
    public void PitchOfHarmonicComplexesIsTheFundamental(double hz, int harmonics)
    {
        // Harmonics with 1/h amplitudes (a sawtooth-like voice source), also with the fundamental weaker than the 2nd.
        var source = Enumerable.Range(1, harmonics).Select(h => (hz * h, 0.4 / h)).ToArray();
        var weakFundamental = Enumerable.Range(1, harmonics).Select(h => (hz * h, h == 1 ? 0.05 : 0.3 / h)).ToArray();
        foreach (var partials in new[] { source, weakFundamental })
        {
            var d = AcousticFeatures.Describe(Tones(0.8, partials));
            var voiced = Enumerable.Range(0, d.Count).Where(t => d.Voiced[t]).ToList();
            Assert.True(voiced.Count >= 0.95 * d.Count);
            Assert.All(voiced, t => Assert.InRange(d.F0Hz[t], hz * 0.99, hz * 1.01));
        }
    }

    [Fact]
    public void F0FunctionalsAreSemitonesOfTheTrackedPitch()
    {
        // 220 Hz = 27.5 Hz · 2^3: 36 semitones, constant, so std and range are 0.
        var f = AcousticFeatures.Extract(Tones(1.0, (220, 0.5)));
        double Value(string name) => f[AcousticFeatures.Names.ToList().IndexOf(name)];
        Assert.Equal(31, AcousticFeatures.Names.Count);
        Assert.Equal(36.0, Value("f0_semitone_mean"), 0.15); // 1 % of 220 Hz is 0.17 semitones
        Assert.Equal(36.0, Value("f0_semitone_p50"), 0.15);
        Assert.InRange(Value("f0_semitone_std"), 0, 0.05);
        Assert.Equal(1.0, Value("voiced_fraction"), 2);
    }

    [Fact]
    public void EnergyIsTheRmsOfTheFrame()
    {
        // 200 Hz: 5 whole periods per 400-sample frame, so every frame's RMS is A/√2 exactly.
        var d = AcousticFeatures.Describe(Tones(1.0, (200, 0.5)));
        var expected = 20 * Math.Log10(0.5 / Math.Sqrt(2)); // −9.0309 dB
        Assert.All(d.EnergyDb, e => Assert.Equal(expected, e, 4));
        // Half the amplitude: 6.0206 dB less.
        var quieter = AcousticFeatures.Describe(Tones(1.0, (200, 0.25)));
        Assert.Equal(expected - 20 * Math.Log10(2), quieter.EnergyDb[10], 4);
    }

    [Fact]
    public void SpectralCentroidOfToneOnABinIsItsFrequency()
    {
        var d = AcousticFeatures.Describe(Tones(0.5, (1000, 0.5)));
        Assert.All(d.CentroidHz, c => Assert.Equal(1000, c, 3));
        // 1000 Hz at amplitude 1 and 3000 Hz at 0.5: powers 1 : 0.25, centroid (1000 + 0.25·3000) / 1.25 = 1400 Hz.
        var two = AcousticFeatures.Describe(Tones(0.5, (1000, 0.6), (3000, 0.3)));
        Assert.All(two.CentroidHz, c => Assert.Equal(1400, c, 3));
    }

    [Fact]
    public void AlphaRatioAndHammarbergIndexOfTwoTones()
    {
        // 520 Hz (bin 13) at 1 and 2400 Hz (bin 60) at 0.1: band powers and maxima differ by 0.1² = −20 dB.
        var d = AcousticFeatures.Describe(Tones(0.5, (520, 0.5), (2400, 0.05)));
        Assert.All(d.AlphaRatioDb, a => Assert.Equal(20, a, 3));
        Assert.All(d.HammarbergDb, h => Assert.Equal(20, h, 3));
    }

    [Fact]
    public void SpectralFluxIsZeroForAStationaryToneAndPositiveWhenItChanges()
    {
        var steady = AcousticFeatures.Describe(Tones(0.5, (1000, 0.5)));
        Assert.All(steady.Flux, f => Assert.Equal(0, f, 6));
        // Tone jumps from 1000 to 2000 Hz at 0.25 s: normalised spectra share nothing, so the flux of the first frame
        // entirely after the jump (against the last frame entirely before it) would be 2; frames straddling it take it
        // in steps.
        var jump = Tones(0.25, (1000, 0.5)).Concat(Tones(0.25, (2000, 0.5))).ToArray();
        var d = AcousticFeatures.Describe(jump);
        Assert.InRange(d.Flux.Sum(), 0.5, 2.0);
        Assert.Equal(0, d.Flux[5], 6);
    }

    [Fact]
    public void SilenceHasNoSpeechAndNoVoicing()
    {
        var d = AcousticFeatures.Describe(new float[Rate]);
        Assert.DoesNotContain(true, d.Speech);
        Assert.DoesNotContain(true, d.Voiced);
        var f = AcousticFeatures.Extract(new float[Rate]);
        Assert.All(f, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(0, f[AcousticFeatures.Names.ToList().IndexOf("voiced_fraction")]);
    }

    [Fact]
    public void NoiseIsUnvoicedAndTonesAreVoiced()
    {
        var noise = AcousticFeatures.Describe(Noise(1.0, 0.3, seed: 7));
        Assert.True(noise.Speech.Count(s => s) > 0.9 * noise.Count);
        Assert.True(
            noise.Voiced.Count(v => v) < 0.05 * noise.Count,
            $"{noise.Voiced.Count(v => v)} noise frames voiced"
        );
        // Tone then noise then tone: the voiced fraction counts the tones' frames.
        var mixed = Tones(0.5, (150, 0.3)).Concat(Noise(0.5, 0.3, seed: 8)).ToArray();
        var fraction = AcousticFeatures.Extract(mixed)[AcousticFeatures.Names.ToList().IndexOf("voiced_fraction")];
        Assert.InRange(fraction, 0.4, 0.6);
    }

    [Fact]
    public void HnrFallsWhenNoiseIsAdded()
    {
        var clean = AcousticFeatures.Describe(Tones(1.0, (150, 0.3)));
        var noisy = Tones(1.0, (150, 0.3)).Zip(Noise(1.0, 0.1, seed: 3), (a, b) => a + b).ToArray();
        var d = AcousticFeatures.Describe(noisy);
        double Mean(FrameDescriptors x) =>
            Enumerable.Range(0, x.Count).Where(t => x.Voiced[t]).Average(t => x.HnrDb[t]);
        Assert.True(Mean(clean) > 20, $"clean HNR {Mean(clean):0.0} dB");
        // Tone power 0.045, uniform noise power 0.1²/3 = 0.0033: SNR 11.3 dB. The YIN-based HNR tracks it within a few
        // dB.
        Assert.InRange(Mean(d), 6, 16);
    }
}
