using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Emolingua.Util;

/// <summary>
/// The clock the cores actually run at, measured: /proc/cpuinfo's "cpu MHz" is the nominal (under a hypervisor, the
/// TSC) rate, and boost clocks are higher, so a peak computed from it would be too low. A chain of dependent integer
/// additions and exclusive-ors retires one operation per cycle on every x86 core of the last decade (latency 1, and no
/// core can overlap a dependency chain), so operations per second on that chain is the clock. The chain runs on
/// <c>threads</c> threads at once (the load a matrix product puts on the cores), best of several tries (another
/// process taking the core only makes a try slower).
/// </summary>
public static class CpuClock
{
    private const int OpsPerIteration = 16;

    /// <summary>GHz seen by each of <paramref name="threads"/> threads running at once (mean over threads, best of
    /// <paramref name="tries"/>).</summary>
    public static double MeasureGHz(int threads, int tries = 5, long iterations = 4_000_000)
    {
        Chain(1, 3, 5, 100_000); // compiled and warm before timing
        double best = 0;
        for (var t = 0; t < tries; t++)
        {
            var rates = new double[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                var start = Stopwatch.GetTimestamp();
                Sink[i % Sink.Length] = Chain((ulong)i + 1, 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, iterations);
                rates[i] = OpsPerIteration * (double)iterations / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
            });
            best = Math.Max(best, rates.Average());
        }
        return best;
    }

    private static readonly ulong[] Sink = new ulong[64];

    /// <summary>16 dependent one-cycle operations per iteration; a and b are arguments so that nothing folds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Chain(ulong x, ulong a, ulong b, long n)
    {
        for (long i = 0; i < n; i++)
        {
            x = (x + a) ^ b;
            x = (x + a) ^ b;
            x = (x + a) ^ b;
            x = (x + a) ^ b;
            x = (x + a) ^ b;
            x = (x + a) ^ b;
            x = (x + a) ^ b;
            x = (x + a) ^ b;
        }
        return x;
    }
}
