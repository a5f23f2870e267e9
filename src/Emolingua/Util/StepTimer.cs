using System.Diagnostics;

namespace Emolingua.Util;

/// <summary>Times a step after warm-up: median and minimum wall time over the timed iterations (benchmarks
/// only).</summary>
public static class StepTimer
{
    public sealed record Timing(double MedianMs, double MinMs, int Iterations);

    public static Timing Time(Action step, int iterations, int warmup)
    {
        if (iterations < 1)
            throw new ArgumentOutOfRangeException(nameof(iterations), "at least one timed iteration");
        for (var i = 0; i < warmup; i++)
            step();
        var times = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        var median =
            iterations % 2 == 1 ? times[iterations / 2] : (times[iterations / 2 - 1] + times[iterations / 2]) / 2;
        return new Timing(median, times[0], iterations);
    }
}
