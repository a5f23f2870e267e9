using MathNet.Numerics.IntegralTransforms;

namespace Emolingua.Features.Acoustic;

/// <summary>Low-level descriptors of a clip, one value per 25 ms frame (10 ms hop); see
/// <see cref="AcousticFeatures"/>.</summary>
public sealed record FrameDescriptors(
    double[] EnergyDb,
    bool[] Speech,
    double[] F0Hz,
    bool[] Voiced,
    double[] HnrDb,
    double[] CentroidHz,
    double[] AlphaRatioDb,
    double[] HammarbergDb,
    double[] Flux,
    double[][] Mfcc
)
{
    public int Count => EnergyDb.Length;
}

/// <summary>
/// The acoustic reference baseline's utterance functionals: a small eGeMAPS-like set (Eyben et al. 2016) computed in
/// plain .NET on 16 kHz audio, 25 ms frames every 10 ms (Whisper's STFT framing: a periodic Hann window of 400
/// samples, a 400-point FFT, 201 bins of 40 Hz).
/// <para>Per frame: energy = 20·log10(RMS) of the raw 400 samples (floor −100 dB). A frame is speech when its energy
/// is above −60 dBFS and within 40 dB of the clip's loudest frame. Pitch: <see cref="Yin"/> (60–500 Hz, threshold
/// 0.15); a frame is voiced when it is speech and periodic. HNR (voiced frames) = 10·log10((1 − d')/d') with d' the
/// YIN CMND at the pitch lag, clipped to ±30 dB. On speech frames, from the power spectrum P(f): spectral centroid
/// Σ f·P / Σ P (Hz); alpha ratio 10·log10(Σ P[50, 1000) Hz / Σ P[1000, 5000] Hz); Hammarberg index 10·log10(max P
/// [0, 2000] Hz / max P (2000, 5000] Hz); spectral flux Σ (|X_t| − |X_t−1|)² of L2-normalised magnitude spectra
/// (consecutive speech frames); MFCC 1–4: orthonormal DCT-II of ln(26 Slaney mel band energies, 0–8 kHz).</para>
/// <para>Functionals (<see cref="Names"/>, 31 values): F0 in semitones above 27.5 Hz and energy in dB: mean, std,
/// 20th, 50th and 80th percentile and the 20–80 range; HNR, centroid, alpha ratio, Hammarberg index, flux and MFCC 1–4:
/// mean and std; and the voiced fraction (voiced / speech frames). Std is the population std; percentiles
/// interpolate linearly (numpy's default). A descriptor without frames (e.g. no voiced frame) gives 0.</para>
/// </summary>
public static class AcousticFeatures
{
    public const int FftSize = WhisperAudio.NFft;
    public const int Bins = WhisperAudio.FrequencyBins;
    public const double BinHz = (double)WhisperAudio.SampleRate / FftSize; // 40 Hz
    public const double SilenceFloorDb = -60,
        SpeechRangeDb = 40,
        HnrLimitDb = 30;
    public const int MelBands = 26,
        Mfccs = 4;

    private static readonly string[] Distribution = ["mean", "std", "p20", "p50", "p80", "p20_80"];
    private static readonly string[] MeanStd = ["mean", "std"];

    /// <summary>Feature names in output order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        Distribution
            .Select(s => "f0_semitone_" + s)
            .Concat(Distribution.Select(s => "energy_db_" + s))
            .Concat(MeanStd.Select(s => "hnr_db_" + s))
            .Append("voiced_fraction")
            .Concat(MeanStd.Select(s => "spectral_centroid_hz_" + s))
            .Concat(MeanStd.Select(s => "alpha_ratio_db_" + s))
            .Concat(MeanStd.Select(s => "hammarberg_db_" + s))
            .Concat(MeanStd.Select(s => "spectral_flux_" + s))
            .Concat(Enumerable.Range(1, Mfccs).SelectMany(i => MeanStd.Select(s => $"mfcc{i}_{s}")))
            .ToList();

    private static readonly double[] HannWindow = Enumerable
        .Range(0, FftSize)
        .Select(n => 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / FftSize))
        .ToArray();
    private static readonly double[,] MelFilters = MelFilterBank.Create(
        Bins,
        MelBands,
        0,
        WhisperAudio.SampleRate / 2.0,
        WhisperAudio.SampleRate
    );

    /// <summary>The <see cref="Names"/> functionals of a 16 kHz mono clip.</summary>
    public static double[] Extract(float[] samples) => Functionals(Describe(samples));

    public static FrameDescriptors Describe(float[] samples)
    {
        var pitch = Yin.Track(samples);
        var frames = pitch.Length;
        var energy = new double[frames];
        var spectra = new double[frames][];
        var frame = new float[FftSize];
        for (var t = 0; t < frames; t++)
        {
            Array.Clear(frame);
            int start = t * Yin.Hop,
                n = Math.Clamp(samples.Length - start, 0, FftSize);
            samples.AsSpan(start, n).CopyTo(frame);
            double sumSquares = 0;
            foreach (var v in frame)
                sumSquares += (double)v * v;
            energy[t] = 20 * Math.Log10(Math.Max(Math.Sqrt(sumSquares / FftSize), 1e-5));
            spectra[t] = PowerSpectrum(frame);
        }
        var loudest = energy.Max();
        var speech = energy.Select(e => e > SilenceFloorDb && e >= loudest - SpeechRangeDb).ToArray();
        var voiced = pitch.Select((p, t) => speech[t] && p.Periodic).ToArray();
        var f0 = pitch.Select((p, t) => voiced[t] ? p.F0 : 0).ToArray();
        var hnr = pitch.Select((p, t) => voiced[t] ? Hnr(p.Cmnd) : 0).ToArray();
        var centroid = new double[frames];
        var alpha = new double[frames];
        var hammarberg = new double[frames];
        var flux = new double[frames];
        var mfcc = new double[frames][];
        double[]? previous = null;
        for (var t = 0; t < frames; t++)
        {
            mfcc[t] = new double[Mfccs];
            if (!speech[t])
            {
                previous = null;
                continue;
            }
            var p = spectra[t];
            centroid[t] = Centroid(p);
            alpha[t] = Db(BandSum(p, 50, 1000, upperInclusive: false), BandSum(p, 1000, 5000, upperInclusive: true));
            hammarberg[t] = Db(
                BandMax(p, 0, 2000, lowerInclusive: true),
                BandMax(p, 2000, 5000, lowerInclusive: false)
            );
            var magnitude = NormalisedMagnitude(p);
            if (previous != null)
            {
                for (var k = 0; k < Bins; k++)
                    flux[t] += (magnitude[k] - previous[k]) * (magnitude[k] - previous[k]);
            }

            previous = magnitude;
            mfcc[t] = Mfcc(p);
        }
        return new FrameDescriptors(energy, speech, f0, voiced, hnr, centroid, alpha, hammarberg, flux, mfcc);
    }

    public static double[] Functionals(FrameDescriptors d)
    {
        var speechFrames = Enumerable.Range(0, d.Count).Where(t => d.Speech[t]).ToList();
        var voicedFrames = Enumerable.Range(0, d.Count).Where(t => d.Voiced[t]).ToList();
        // Flux needs a speech frame before it.
        var fluxFrames = speechFrames.Where(t => t > 0 && d.Speech[t - 1]).ToList();
        var values = new List<double>(Names.Count);
        values.AddRange(DistributionOf(voicedFrames.Select(t => 12 * Math.Log2(d.F0Hz[t] / 27.5))));
        values.AddRange(DistributionOf(d.EnergyDb));
        values.AddRange(MeanAndStd(voicedFrames.Select(t => d.HnrDb[t])));
        values.Add(speechFrames.Count == 0 ? 0 : (double)voicedFrames.Count / speechFrames.Count);
        values.AddRange(MeanAndStd(speechFrames.Select(t => d.CentroidHz[t])));
        values.AddRange(MeanAndStd(speechFrames.Select(t => d.AlphaRatioDb[t])));
        values.AddRange(MeanAndStd(speechFrames.Select(t => d.HammarbergDb[t])));
        values.AddRange(MeanAndStd(fluxFrames.Select(t => d.Flux[t])));
        for (var i = 0; i < Mfccs; i++)
            values.AddRange(MeanAndStd(speechFrames.Select(t => d.Mfcc[t][i])));
        return values.ToArray();
    }

    /// <summary>|FFT|² of a Hann-windowed 400-sample frame: 201 bins, bin k at 40·k Hz.</summary>
    private static double[] PowerSpectrum(float[] frame)
    {
        var real = new double[FftSize];
        var imaginary = new double[FftSize];
        for (var n = 0; n < FftSize; n++)
            real[n] = frame[n] * HannWindow[n];
        Fourier.Forward(real, imaginary, FourierOptions.NoScaling);
        var power = new double[Bins];
        for (var k = 0; k < Bins; k++)
            power[k] = real[k] * real[k] + imaginary[k] * imaginary[k];
        return power;
    }

    private static double Centroid(double[] p)
    {
        double weighted = 0,
            total = 0;
        for (var k = 0; k < Bins; k++)
        {
            weighted += k * BinHz * p[k];
            total += p[k];
        }
        return total > 0 ? weighted / total : 0;
    }

    private static double BandSum(double[] p, double lowHz, double highHz, bool upperInclusive)
    {
        double sum = 0;
        for (var k = 0; k < Bins; k++)
        {
            var f = k * BinHz;
            if (f >= lowHz && (upperInclusive ? f <= highHz : f < highHz))
                sum += p[k];
        }
        return sum;
    }

    private static double BandMax(double[] p, double lowHz, double highHz, bool lowerInclusive)
    {
        double max = 0;
        for (var k = 0; k < Bins; k++)
        {
            var f = k * BinHz;
            if ((lowerInclusive ? f >= lowHz : f > lowHz) && f <= highHz)
                max = Math.Max(max, p[k]);
        }
        return max;
    }

    private static double[] NormalisedMagnitude(double[] p)
    {
        var m = p.Select(Math.Sqrt).ToArray();
        var norm = Math.Sqrt(p.Sum());
        if (norm > 0)
        {
            for (var k = 0; k < m.Length; k++)
                m[k] /= norm;
        }

        return m;
    }

    private static double[] Mfcc(double[] p)
    {
        var logEnergy = new double[MelBands];
        for (var m = 0; m < MelBands; m++)
        {
            double e = 0;
            for (var k = 0; k < Bins; k++)
                e += MelFilters[m, k] * p[k];
            logEnergy[m] = Math.Log(e + 1e-10);
        }
        var c = new double[Mfccs];
        var scale = Math.Sqrt(2.0 / MelBands);
        for (var i = 1; i <= Mfccs; i++)
        {
            for (var m = 0; m < MelBands; m++)
                c[i - 1] += scale * logEnergy[m] * Math.Cos(Math.PI * i * (m + 0.5) / MelBands);
        }

        return c;
    }

    private static double Hnr(double cmnd)
    {
        var periodic = Math.Clamp(1 - cmnd, 1e-9, 1 - 1e-9);
        return Math.Clamp(10 * Math.Log10(periodic / (1 - periodic)), -HnrLimitDb, HnrLimitDb);
    }

    private static double Db(double numerator, double denominator) =>
        10 * Math.Log10((numerator + 1e-12) / (denominator + 1e-12));

    private static double[] MeanAndStd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0)
            return [0, 0];
        var mean = v.Average();
        return [mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length)];
    }

    private static double[] DistributionOf(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0)
            return new double[Distribution.Length];
        var (mean, std) = (MeanAndStd(v)[0], MeanAndStd(v)[1]);
        double p20 = Percentile(v, 0.2),
            p50 = Percentile(v, 0.5),
            p80 = Percentile(v, 0.8);
        return [mean, std, p20, p50, p80, p80 - p20];
    }

    /// <summary>Linear interpolation between order statistics of sorted values (numpy's default).</summary>
    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var i = (int)Math.Floor(position);
        return i >= sorted.Length - 1 ? sorted[^1] : sorted[i] + (sorted[i + 1] - sorted[i]) * (position - i);
    }
}
