using System.Text.Json.Nodes;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Benchmarks;

/// <summary><c>bench gemm</c>: libtorch's matrix product against the measured peak and the machine's FP32
/// ceiling.</summary>
internal static class GemmBenchmark
{
    /// <summary>
    /// FP32 [M×K]·[K×N] through libtorch: GFLOP/s of the given shape (default [1600×768]·[768×3072]); without a shape,
    /// also the best of <see cref="MatmulThroughput.PeakShapes"/> as "peak_gflops".
    /// </summary>
    public static JsonObject Run(
        long? m,
        long? k,
        long? n,
        int iters,
        int warmup,
        int threads,
        Emolingua.Util.Precision precision
    )
    {
        var shape =
            m is { } mm && k is { } kk && n is { } nn
                ? new MatmulThroughput.Shape(mm, kk, nn)
                : MatmulThroughput.Default;
        var measured = MatmulThroughput.Measure(
            shape,
            iters,
            warmup,
            Precisions.ComputeType(precision) ?? ScalarType.Float32
        );
        var result = new JsonObject
        {
            ["what"] = $"gemm {shape}",
            ["median_ms"] = Math.Round(measured.Timing.MedianMs, 3),
            ["min_ms"] = Math.Round(measured.Timing.MinMs, 3),
            ["iters"] = iters,
            ["gflops"] = Math.Round(measured.GFlops, 1),
            ["best_gflops"] = Math.Round(measured.BestGFlops, 1),
            ["precision"] = precision.Name(),
        };
        if (m == null && precision == Emolingua.Util.Precision.Fp32)
        {
            var peak = MatmulThroughput.Peak(iters);
            var peakGFlops = Math.Max(peak.GFlops, measured.GFlops);
            result["peak_gflops"] = Math.Round(peakGFlops, 1);
            result["peak_shape"] = (peak.GFlops >= measured.GFlops ? peak.Shape : shape).ToString();
            // The machine's FP32 ceiling from its flags, cores and clock: cores × FMA/cycle × 2 flops × clock.
            var cpu = CpuFeatures.Machine;
            var (fmaPerCycle, basis) = cpu.FmaThroughput();
            var cores = Math.Min(threads, Environment.ProcessorCount);
            var clock = CpuClock.MeasureGHz(cores);
            var fp32Peak = cores * fmaPerCycle * 2 * clock;
            result["clock_ghz"] = Math.Round(clock, 2);
            if (cpu.NominalMHz is { } mhz)
                result["nominal_ghz"] = Math.Round(mhz / 1000, 2);
            result["fma_per_cycle"] = fmaPerCycle;
            result["fma_basis"] = basis;
            result["fp32_peak_gflops"] = Math.Round(fp32Peak, 1);
            result["fraction_of_fp32_peak"] = Math.Round(measured.GFlops / fp32Peak, 3);
            result["peak_fraction_of_fp32_peak"] = Math.Round(peakGFlops / fp32Peak, 3);
        }
        return result;
    }
}
