using System.Numerics;

namespace Emolingua.Features.Acoustic;

/// <summary>
/// The YIN pitch tracker (de Cheveigné &amp; Kawahara 2002, steps 1–5): the squared-difference function over a 25 ms
/// integration window, its cumulative-mean normalisation (CMND), the first dip below an absolute threshold followed
/// to its local minimum, and parabolic interpolation of the CMND around it. A frame with no dip below the threshold
/// in 60–500 Hz is aperiodic. Frames hop 10 ms (Whisper's hop), 16 kHz input.
/// </summary>
public static class Yin
{
    public const int SampleRate = WhisperAudio.SampleRate;
    public const int Window = WhisperAudio.NFft; // 400 samples = 25 ms integration window
    public const int Hop = WhisperAudio.HopLength; // 160 samples = 10 ms
    public const double MinF0 = 60,
        MaxF0 = 500;

    /// <summary>YIN's absolute threshold on the CMND (the paper suggests 0.1–0.15; 0.15 keeps breathy
    /// voicing).</summary>
    public const double Threshold = 0.15;

    private static readonly int MinLag = (int)Math.Floor(SampleRate / MaxF0); // 32
    private static readonly int MaxLag = (int)Math.Ceiling(SampleRate / MinF0); // 267

    /// <summary>One frame: F0 in Hz (0 when aperiodic) and the CMND at the chosen lag (its minimum when
    /// aperiodic).</summary>
    public readonly record struct Frame(double F0, double Cmnd)
    {
        public bool Periodic => F0 > 0;
    }

    /// <summary>Frames of a clip: frame t starts at sample 160·t; <see cref="FrameCount"/> of them.</summary>
    public static Frame[] Track(float[] samples)
    {
        var frames = FrameCount(samples.Length);
        // Every frame reads Window + MaxLag + 1 samples; pad the tail with zeros once.
        var padded = new float[(frames - 1) * Hop + Window + MaxLag + 2];
        samples.AsSpan().CopyTo(padded);
        var result = new Frame[frames];
        var d = new double[MaxLag + 2];
        for (var t = 0; t < frames; t++)
            result[t] = Analyse(padded.AsSpan(t * Hop), d);
        return result;
    }

    /// <summary>Frames of 25 ms every 10 ms: 1 + (N − 400) / 160, at least one (a short clip is zero-padded).</summary>
    public static int FrameCount(int samples) => samples <= Window ? 1 : 1 + (samples - Window) / Hop;

    /// <param name="x">the frame and at least MaxLag + 1 samples after it</param>
    /// <param name="d">scratch of MaxLag + 2 values</param>
    private static Frame Analyse(ReadOnlySpan<float> x, double[] d)
    {
        // Step 2: d(τ) = Σ_{j<W} (x_j − x_{j+τ})².
        var head = x[..Window];
        for (var lag = 1; lag <= MaxLag + 1; lag++)
            d[lag] = SquaredDistance(head, x.Slice(lag, Window));
        // Step 3: d'(τ) = d(τ) · τ / Σ_{s≤τ} d(s), d'(0) = 1 (in place; a silent frame has Σ = 0 and stays at 1).
        d[0] = 1;
        double running = 0;
        for (var lag = 1; lag <= MaxLag + 1; lag++)
        {
            running += d[lag];
            d[lag] = running > 0 ? d[lag] * lag / running : 1;
        }
        // Step 4: the first lag whose d' falls below the threshold, followed down to its local minimum.
        for (var lag = MinLag; lag <= MaxLag; lag++)
        {
            if (d[lag] >= Threshold)
                continue;
            while (lag < MaxLag && d[lag + 1] < d[lag])
                lag++;
            // Step 5: parabolic interpolation of d' through (τ−1, τ, τ+1).
            double a = d[lag - 1],
                b = d[lag],
                c = d[lag + 1];
            var curvature = a - 2 * b + c;
            var shift = curvature > 0 ? 0.5 * (a - c) / curvature : 0;
            return new Frame(SampleRate / (lag + Math.Clamp(shift, -0.5, 0.5)), b);
        }
        var minimum = double.MaxValue;
        for (var lag = MinLag; lag <= MaxLag; lag++)
            minimum = Math.Min(minimum, d[lag]);
        return new Frame(0, minimum);
    }

    /// <summary>Σ (a_j − b_j)², vectorised (50 float additions per lane for a 25 ms window: ample precision for a dip
    /// of 0.15).</summary>
    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int width = Vector<float>.Count,
            j = 0;
        double total = 0;
        var sum = Vector<float>.Zero;
        for (; j <= a.Length - width; j += width)
        {
            var diff = new Vector<float>(a[j..]) - new Vector<float>(b[j..]);
            sum += diff * diff;
        }
        total += Vector.Sum(sum);
        for (; j < a.Length; j++)
        {
            double diff = a[j] - b[j];
            total += diff * diff;
        }
        return total;
    }
}
