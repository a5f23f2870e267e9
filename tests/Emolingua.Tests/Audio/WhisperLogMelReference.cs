namespace Emolingua.Tests.Audio;

/// <summary>
/// A plain, slow Whisper log-mel (16 kHz, n_fft 400, hop 160, periodic Hann, reflect padding, Slaney mel 80 bins
/// 0-8000 Hz, log10 with the max-8 clamp, (x+4)/4, last frame dropped) for comparing resamplers. Test helper only.
/// </summary>
internal static class WhisperLogMelReference
{
    private const int NFft = 400,
        Hop = 160,
        Bins = NFft / 2 + 1,
        Mels = 80;
    private static readonly double[,] Filters = BuildFilters();
    private static readonly double[] Cos = new double[NFft],
        Sin = new double[NFft],
        Window = new double[NFft];

    static WhisperLogMelReference()
    {
        for (var i = 0; i < NFft; i++)
        {
            Cos[i] = Math.Cos(2 * Math.PI * i / NFft);
            Sin[i] = Math.Sin(2 * Math.PI * i / NFft);
            Window[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / NFft);
        }
    }

    /// <summary>Log-mel of the first <paramref name="samples"/> samples (zero-padded if shorter):
    /// [frame][mel].</summary>
    public static double[][] Compute(ReadOnlySpan<float> audio, int samples = 64000)
    {
        var x = new double[samples];
        for (var i = 0; i < Math.Min(samples, audio.Length); i++)
            x[i] = audio[i];
        var frames = samples / Hop; // 1 + L/hop frames, minus the dropped last one
        var logMel = new double[frames][];
        var max = double.NegativeInfinity;
        var frame = new double[NFft];
        var power = new double[Bins];
        for (var t = 0; t < frames; t++)
        {
            for (var i = 0; i < NFft; i++)
                frame[i] = Window[i] * x[Reflect(t * Hop + i - NFft / 2, samples)];
            for (var k = 0; k < Bins; k++)
            {
                double re = 0,
                    im = 0;
                for (int i = 0, idx = 0; i < NFft; i++, idx = idx + k >= NFft ? idx + k - NFft : idx + k)
                {
                    re += frame[i] * Cos[idx];
                    im -= frame[i] * Sin[idx];
                }
                power[k] = re * re + im * im;
            }
            logMel[t] = new double[Mels];
            for (var m = 0; m < Mels; m++)
            {
                double e = 0;
                for (var k = 0; k < Bins; k++)
                    e += Filters[m, k] * power[k];
                logMel[t][m] = Math.Log10(Math.Max(e, 1e-10));
                max = Math.Max(max, logMel[t][m]);
            }
        }
        foreach (var row in logMel)
        {
            for (var m = 0; m < Mels; m++)
                row[m] = (Math.Max(row[m], max - 8) + 4) / 4;
        }

        return logMel;
    }

    /// <summary>Mean and 99th percentile of |a - b| over all frames and mel bins.</summary>
    public static (double Mean, double P99) Compare(double[][] a, double[][] b)
    {
        var diffs = new List<double>();
        for (var t = 0; t < a.Length; t++)
        {
            for (var m = 0; m < Mels; m++)
                diffs.Add(Math.Abs(a[t][m] - b[t][m]));
        }

        diffs.Sort();
        return (diffs.Average(), diffs[(int)Math.Ceiling(0.99 * diffs.Count) - 1]);
    }

    // numpy "reflect": mirror without repeating the edge sample.
    private static int Reflect(int i, int n) =>
        i < 0 ? -i
        : i >= n ? 2 * (n - 1) - i
        : i;

    private static double[,] BuildFilters()
    {
        const double fSp = 200.0 / 3,
            minLogHz = 1000,
            minLogMel = 15;
        var logStep = Math.Log(6.4) / 27;
        double HzToMel(double f) => f < minLogHz ? f / fSp : minLogMel + Math.Log(f / minLogHz) / logStep;
        double MelToHz(double m) => m < minLogMel ? fSp * m : minLogHz * Math.Exp(logStep * (m - minLogMel));
        var maxMel = HzToMel(8000);
        var f = new double[Mels + 2];
        for (var i = 0; i < Mels + 2; i++)
            f[i] = MelToHz(maxMel * i / (Mels + 1));
        var w = new double[Mels, Bins];
        for (var m = 0; m < Mels; m++)
        {
            for (var k = 0; k < Bins; k++)
            {
                var hz = k * 16000.0 / NFft;
                var lower = (hz - f[m]) / (f[m + 1] - f[m]);
                var upper = (f[m + 2] - hz) / (f[m + 2] - f[m + 1]);
                w[m, k] = Math.Max(0, Math.Min(lower, upper)) * 2 / (f[m + 2] - f[m]);
            }
        }

        return w;
    }

    /// <summary>Test access to one filter weight, to check the bank against the spec's published values.</summary>
    public static double Filter(int mel, int bin) => Filters[mel, bin];
}
