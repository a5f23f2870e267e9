using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emolingua.Audio;

/// <summary>
/// Band-limited sample-rate conversion: a Kaiser-windowed sinc evaluated as a polyphase filter bank.
/// The response tracks sox's "very high quality" setting (rate -v): flat to 91% of the lower Nyquist frequency,
/// about -3 dB at 95%, at least 120 dB down from 100%; linear phase; output sample n sits at input time n·from/to.
/// Thread-safe: the only shared state is a cache of immutable filter tables keyed by rate pair.
/// </summary>
public static class Resampler
{
    // Fractions of the lower Nyquist frequency, chosen to track sox "rate -v": about -3 dB at 95%, full rejection at
    // 100%.
    private const double HalfAmplitudePoint = 0.955;
    private const double StopbandEdge = 1.0;
    private const double StopbandAttenuationDb = 120;
    private const int MaxExactPhases = 1024; // beyond this many phases, interpolate between table rows
    private const int InterpolatedPhases = 512;

    private static readonly ConcurrentDictionary<(int From, int To), Kernel> Kernels = new();

    /// <summary>The cached filter table of a rate pair (shared with <see cref="StreamingResampler"/>, so both compute
    /// every output identically).</summary>
    internal static Kernel KernelFor(int fromRate, int toRate) =>
        Kernels.GetOrAdd((fromRate, toRate), key => Kernel.Create(key.From, key.To));

    /// <summary>
    /// Resamples <paramref name="input"/> from <paramref name="fromRate"/> Hz to <paramref name="toRate"/> Hz.
    /// The output has round(length·to/from) samples; the signal is taken as zero outside the input.
    /// </summary>
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toRate, 1);
        if (fromRate == toRate)
            return input.ToArray();

        var gcd = (int)BigInteger.GreatestCommonDivisor(fromRate, toRate);
        int up = toRate / gcd,
            down = fromRate / gcd;
        var outLength = ((long)input.Length * up + down / 2) / down;
        if (outLength > Array.MaxLength)
            throw new ArgumentException($"resampled signal would have {outLength} samples, too many for one array");
        var output = new float[outLength];
        if (outLength == 0 || input.Length == 0)
            return output;

        var kernel = KernelFor(fromRate, toRate);
        int taps = kernel.Taps,
            half = kernel.HalfWidth;

        // Zero margins on both sides so that every output reads a full window without bounds checks.
        var margin = half + 1;
        var padded = new float[input.Length + 2 * margin + taps];
        input.CopyTo(padded.AsSpan(margin));

        long q = 0; // integer part of the input position of output n
        long rem = 0; // fractional part, in units of 1/up
        long stepWhole = down / up,
            stepRem = down % up;
        for (long n = 0; n < outLength; n++)
        {
            // First input in the window is q - half + 1; padded index adds the margin.
            var start = (int)(q - half + 1 + margin);
            output[n] = kernel.Output(padded.AsSpan(start, taps), rem, up);
            q += stepWhole;
            rem += stepRem;
            if (rem >= up)
            {
                rem -= up;
                q++;
            }
        }
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> h)
    {
        // Taps are padded to a multiple of 2 vectors, so there is no scalar tail.
        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var rh = ref MemoryMarshal.GetReference(h);
        var width = Vector<float>.Count;
        var acc0 = Vector<float>.Zero;
        var acc1 = Vector<float>.Zero;
        for (var i = 0; i < h.Length; i += 2 * width)
        {
            acc0 += Vector.LoadUnsafe(ref rx, (nuint)i) * Vector.LoadUnsafe(ref rh, (nuint)i);
            acc1 += Vector.LoadUnsafe(ref rx, (nuint)(i + width)) * Vector.LoadUnsafe(ref rh, (nuint)(i + width));
        }
        return Vector.Sum(acc0 + acc1);
    }

    /// <summary>Immutable polyphase table: row p holds the filter for an output sitting p/Phases of an input sample
    /// past q.</summary>
    internal sealed class Kernel
    {
        /// <summary>
        /// The output whose input position is q + rem/up, from the <see cref="Taps"/> inputs starting at q − HalfWidth
        /// + 1.
        /// Taps past 2·HalfWidth weigh exactly 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Output(ReadOnlySpan<float> window, long rem, int up)
        {
            if (Exact)
                return Dot(window, Coefficients.AsSpan((int)rem * Taps, Taps));
            var phase = rem * (double)Phases / up;
            var row = (int)phase;
            var weight = (float)(phase - row);
            var a = Dot(window, Coefficients.AsSpan(row * Taps, Taps));
            var b = Dot(window, Coefficients.AsSpan((row + 1) * Taps, Taps));
            return a + weight * (b - a);
        }

        public required int Phases { get; init; }
        public required bool Exact { get; init; }
        public required int HalfWidth { get; init; }
        public required int Taps { get; init; }
        public required float[] Coefficients { get; init; }

        public static Kernel Create(int fromRate, int toRate)
        {
            var gcd = (int)BigInteger.GreatestCommonDivisor(fromRate, toRate);
            var up = toRate / gcd;
            var exact = up <= MaxExactPhases;
            var phases = exact ? up : InterpolatedPhases;
            var rows = exact ? phases : phases + 1; // the interpolated table also needs the row for offset 1.0

            // Frequencies in cycles per input sample.
            var nyquist = 0.5 * Math.Min(1.0, (double)toRate / fromRate);
            var cutoff = HalfAmplitudePoint * nyquist;
            var transition = 2 * (StopbandEdge - HalfAmplitudePoint) * nyquist;
            var beta = 0.1102 * (StopbandAttenuationDb - 8.7);
            var length = (int)Math.Ceiling((StopbandAttenuationDb - 7.95) / (2.285 * 2 * Math.PI * transition)) + 1;
            var half = (length + 1) / 2;
            var block = 2 * Vector<float>.Count;
            var taps = (2 * half + block - 1) / block * block;

            var table = new float[rows * taps];
            var besselBeta = BesselI0(beta);
            var row = new double[taps];
            for (var p = 0; p < rows; p++)
            {
                var frac = (double)p / phases;
                double sum = 0;
                for (var m = 0; m < taps; m++)
                {
                    // Input j = q - half + 1 + m sits at distance d = frac + half - 1 - m before the output.
                    var d = frac + half - 1 - m;
                    var x = d / half;
                    double value = 0;
                    if (Math.Abs(x) < 1)
                        value = 2 * cutoff * Sinc(2 * cutoff * d) * BesselI0(beta * Math.Sqrt(1 - x * x)) / besselBeta;
                    row[m] = value;
                    sum += value;
                }
                // Unit DC gain in every phase, so a constant stays constant (no ripple at the phase rate).
                for (var m = 0; m < taps; m++)
                    table[p * taps + m] = (float)(row[m] / sum);
            }
            return new Kernel
            {
                Phases = phases,
                Exact = exact,
                HalfWidth = half,
                Taps = taps,
                Coefficients = table,
            };
        }

        private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

        private static double BesselI0(double x)
        {
            double sum = 1,
                term = 1,
                quarterSquare = x * x / 4;
            for (var k = 1; k < 200 && term > 1e-17 * sum; k++)
            {
                term *= quarterSquare / ((double)k * k);
                sum += term;
            }
            return sum;
        }
    }
}
