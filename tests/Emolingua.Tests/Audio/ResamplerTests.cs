using Emolingua.Audio;
using Xunit.Abstractions;
using static Emolingua.Tests.Audio.AudioTestTools;

namespace Emolingua.Tests.Audio;

public class ResamplerTests(ITestOutputHelper output)
{
    [Fact]
    public void MelFilterReferenceMatchesSpecValues()
    {
        // Published check values (spec §1.3) guard the test's own log-mel helper.
        Assert.Equal(0.0248625940, WhisperLogMelReference.Filter(0, 1), 9);
        Assert.Equal(0.0228717721, WhisperLogMelReference.Filter(1, 2), 9);
        Assert.Equal(0.0147355657, WhisperLogMelReference.Filter(40, 43), 9);
        Assert.Equal(0.0026983834, WhisperLogMelReference.Filter(79, 191), 9);
    }

    /// <summary>
    /// Speech (espeak-ng, 22050 Hz) plus, at 44.1 and 48 kHz, a little broadband noise whose content above 8 kHz
    /// must not fold back: ours and sox's very-high-quality resampler must give nearly the same Whisper features,
    /// while linear interpolation must not (so the bound really tests something).
    /// </summary>
    [Theory]
    [InlineData(22050)]
    [InlineData(44100)]
    [InlineData(48000)]
    public void LogMelMatchesSoxVeryHighQuality(int fromRate)
    {
        using var dir = new TempDir();
        var speechWav = dir.File("speech.wav");
        Run("espeak-ng", "-w", speechWav, "The quick brown fox jumps over the lazy dog. Is it raining in Berlin?");
        var speech = Floats(Run("sox", speechWav, "-t", "f32", "-"));
        var input = speech;
        if (fromRate != 22050)
        {
            input = Floats(Run("sox", speechWav, "-t", "f32", "-r", fromRate.ToString(), "-", "rate", "-v"));
            var rng = new Random(7);
            for (var i = 0; i < input.Length; i++)
                input[i] += (float)(0.01 * (rng.NextDouble() * 2 - 1));
        }
        var inputWav = dir.File("input.wav");
        WavWriter.WriteFloat32(inputWav, input, fromRate);
        var sox = Floats(Run("sox", inputWav, "-t", "f32", "-", "rate", "-v", "16000"));

        var ours = Resampler.Resample(input, fromRate, 16000);
        var linear = LinearInterpolation(input, fromRate, 16000);
        Assert.Equal(sox.Length, ours.Length);

        var reference = WhisperLogMelReference.Compute(sox);
        var (mean, p99) = WhisperLogMelReference.Compare(reference, WhisperLogMelReference.Compute(ours));
        var (linearMean, linearP99) = WhisperLogMelReference.Compare(reference, WhisperLogMelReference.Compute(linear));
        output.WriteLine(
            $"{fromRate} Hz -> 16 kHz vs sox -v: ours mean {mean:F5} p99 {p99:F5}; linear mean {linearMean:F5} p99 {linearP99:F5}"
        );

        Assert.True(mean <= 0.01 && p99 <= 0.06, $"ours: mean {mean}, p99 {p99}");
        Assert.False(
            linearMean <= 0.01 && linearP99 <= 0.06,
            $"linear interpolation passed the bound (mean {linearMean}, p99 {linearP99})"
        );
    }

    [Theory]
    [InlineData(44100, 16000, 1000.0)]
    [InlineData(48000, 16000, 7000.0)] // inside the flat band (91% of 8 kHz is 7280 Hz)
    [InlineData(16000, 44100, 3000.0)] // upsampling
    [InlineData(22050, 16000, 440.0)]
    [InlineData(44100, 16001, 2500.0)] // 16001 phases: the interpolated-table path
    [InlineData(8000, 48000, 3500.0)]
    public void SineComesOutAsTheSameSineAtTheNewRate(int fromRate, int toRate, double frequency)
    {
        const double seconds = 1.0;
        var input = Sine(frequency, fromRate, (int)(seconds * fromRate));
        var result = Resampler.Resample(input, fromRate, toRate);
        Assert.Equal((int)Math.Round(seconds * toRate), result.Length);
        var expected = Sine(frequency, toRate, result.Length);
        // Away from the ends, where the filter runs into the zeros outside the signal.
        var edge = toRate / 20;
        double maxError = 0;
        for (var i = edge; i < result.Length - edge; i++)
            maxError = Math.Max(maxError, Math.Abs(result[i] - expected[i]));
        output.WriteLine($"{fromRate}->{toRate} {frequency} Hz: max error {maxError:E2}");
        Assert.True(maxError < 1e-5, $"max error {maxError}");
    }

    [Theory]
    [InlineData(48000, 16000, 10000.0)]
    [InlineData(44100, 16000, 8400.0)] // just past the new Nyquist frequency
    [InlineData(22050, 16000, 9000.0)]
    public void ToneAboveTheNewNyquistIsRemoved(int fromRate, int toRate, double frequency)
    {
        var result = Resampler.Resample(Sine(frequency, fromRate, fromRate), fromRate, toRate);
        var edge = toRate / 20;
        double energy = 0;
        for (var i = edge; i < result.Length - edge; i++)
            energy += result[i] * (double)result[i];
        var rms = Math.Sqrt(energy / (result.Length - 2 * edge));
        output.WriteLine($"{frequency} Hz at {fromRate} -> {toRate}: residual rms {rms:E2} (input rms 0.707)");
        Assert.True(rms < 1e-6, $"residual rms {rms}"); // more than 117 dB down (design target 120 dB)
    }

    [Fact]
    public void OutputLengthIsTheRoundedRatio()
    {
        // 81988 · 16000 / 22050 = 59492.43 -> 59492 (sox gives the same for this espeak-ng clip length)
        Assert.Equal(59492, Resampler.Resample(new float[81988], 22050, 16000).Length);
        // 1001 · 1 / 3 = 333.67 -> 334
        Assert.Equal(334, Resampler.Resample(new float[1001], 48000, 16000).Length);
        Assert.Empty(Resampler.Resample([], 44100, 16000));
    }

    [Fact]
    public void ConstantStaysConstantAwayFromTheEnds()
    {
        var ones = Enumerable.Repeat(0.5f, 44100).ToArray();
        var result = Resampler.Resample(ones, 44100, 16000);
        for (var i = 1000; i < result.Length - 1000; i++)
            Assert.Equal(0.5f, result[i], 1e-5f);
    }

    [Fact]
    public void SameRateReturnsACopy()
    {
        float[] input = [0.1f, -0.2f, 0.3f];
        var result = Resampler.Resample(input, 16000, 16000);
        Assert.Equal(new[] { 0.1f, -0.2f, 0.3f }, result);
        Assert.NotSame(input, result);
    }

    [Fact]
    public void RejectsNonPositiveRates()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(new float[10], 0, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(new float[10], 16000, -1));
    }

    [Fact]
    public void ParallelCallsOnDifferentRatePairsAreEachCorrect()
    {
        (int From, int To, double Hz)[] cases =
        [
            (44100, 16000, 1000),
            (48000, 16000, 2000),
            (22050, 16000, 300),
            (16000, 22050, 1200),
        ];
        var errors = new double[cases.Length * 4];
        Parallel.For(0, errors.Length, i =>
        {
            var (from, to, hz) = cases[i % cases.Length];
            var result = Resampler.Resample(Sine(hz, from, from / 2), from, to);
            var expected = Sine(hz, to, result.Length);
            double max = 0;
            for (var n = to / 20; n < result.Length - to / 20; n++)
                max = Math.Max(max, Math.Abs(result[n] - expected[n]));
            errors[i] = max;
        });
        Assert.All(errors, e => Assert.True(e < 1e-5, $"max error {e}"));
    }

    private static float[] Sine(double frequency, int rate, int count)
    {
        var x = new float[count];
        for (var i = 0; i < count; i++)
            x[i] = (float)Math.Sin(2 * Math.PI * frequency * i / rate);
        return x;
    }

    /// <summary>The naive resampler the bound must reject: linear interpolation at input time n·from/to.</summary>
    private static float[] LinearInterpolation(float[] x, int fromRate, int toRate)
    {
        var count = (int)Math.Round((double)x.Length * toRate / fromRate);
        var y = new float[count];
        for (var n = 0; n < count; n++)
        {
            var t = (double)n * fromRate / toRate;
            var i = (int)t;
            var frac = t - i;
            float a = i < x.Length ? x[i] : 0,
                b = i + 1 < x.Length ? x[i + 1] : 0;
            y[n] = (float)(a + frac * (b - a));
        }
        return y;
    }
}
