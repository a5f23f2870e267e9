using System.Diagnostics;
using System.Text.Json.Nodes;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Models.Onnx;
using Emolingua.Util;

namespace Emolingua.Benchmarks;

/// <summary>What one <c>bench logmel|encoder|gemm</c> line times: the command's options, parsed.</summary>
/// <param name="Target">logmel, encoder or gemm.</param>
/// <param name="Iterations">Timed steps; null for the default of the target (logmel 20, encoder small 5, others
/// 10).</param>
/// <param name="Size">Encoder size (tiny, base, small).</param>
/// <param name="Mode">Encoder: forward or train.</param>
/// <param name="M">gemm: the shape [M×K]·[K×N], all three or none.</param>
/// <param name="Onnx">Encoder forward through ONNX Runtime instead of TorchSharp.</param>
public sealed record BenchRequest(
    string Target,
    int Batch,
    double Seconds,
    int Threads,
    int? Iterations,
    int Warmup,
    string Size,
    string Mode,
    Precision Precision,
    long? M,
    long? K,
    long? N,
    bool Onnx,
    OnnxQuantization Quantization
);

/// <summary>
/// Micro-benchmarks with a PyTorch twin (bench/pytorch/bench.py takes the same arguments and prints the same line):
/// one JSON object {"what", "median_ms", "min_ms", "cpu_ms", ...} after warm-up, with the machine's description.
/// </summary>
public static class Bench
{
    internal const int TrainHeadHidden = 256,
        TrainClasses = 4;

    /// <summary>
    /// Times <paramref name="r"/> on random data (libtorch's threads and seed are the caller's) and returns its line.
    /// <paramref name="phases"/>, when given, receives the train step's forward/backward/optimizer times and ONNX
    /// Runtime's kernel time per operator type (at process exit).
    /// </summary>
    public static JsonObject Run(BenchRequest r, Action<string>? phases = null)
    {
        var result = r.Target switch
        {
            "logmel" => Time(
                $"logmel b{r.Batch} {r.Seconds:0.##}s",
                r.Iterations ?? 20,
                r.Warmup,
                EncoderSteps.LogMel(r.Batch, r.Seconds)
            ),
            "gemm" => GemmBenchmark.Run(r.M, r.K, r.N, r.Iterations ?? 10, r.Warmup, r.Threads, r.Precision),
            "encoder" => Time(
                $"encoder {r.Size} {r.Mode} b{r.Batch} {r.Seconds:0.##}s{(r.Onnx ? " onnx" + (r.Quantization == OnnxQuantization.Int8 ? " int8" : "") : "")}",
                r.Iterations ?? (r.Size == "small" ? 5 : 10),
                r.Warmup,
                r.Mode == "train" ? EncoderSteps.Train(r.Size, r.Batch, r.Seconds, r.Precision, phases)
                    : r.Onnx ? EncoderSteps.OnnxForward(r.Size, r.Batch, r.Seconds, r.Threads, r.Quantization, phases)
                    : EncoderSteps.Forward(r.Size, r.Batch, r.Seconds, r.Precision)
            ),
            _ => throw new ArgumentException($"unknown benchmark '{r.Target}' (logmel, encoder or gemm)"),
        };
        if (r.Target == "encoder")
        {
            // Achieved rate and the fraction of the matrix-product peak measured in this process, just after the steps.
            var config = WhisperConfig.ForSize(r.Size);
            var positions = WhisperAudio.PositionsFor(r.Seconds);
            var flops =
                r.Mode == "train"
                    ? EncoderFlops.TrainStep(config, r.Batch, positions, TrainHeadHidden, TrainClasses)
                    : EncoderFlops.Forward(config, r.Batch, positions);
            var gflops = flops / ((double)result["median_ms"]! * 1e6);
            var peak = MatmulThroughput.Measure(MatmulThroughput.Default, iterations: 10);
            result["gflop"] = Math.Round(flops / 1e9, 1);
            result["gflops"] = Math.Round(gflops, 1);
            result["peak_gflops"] = Math.Round(peak.GFlops, 1);
            result["fraction_of_peak"] = Math.Round(gflops / peak.GFlops, 3);
            result["precision"] = r.Precision.Name();
        }
        result["impl"] = "emolingua";
        (_, result["malloc"], result["omp_wait_policy"]) = NativeRuntime.Describe();
        foreach (var (key, value) in MachineReport.Describe())
            result[key] = value?.DeepClone();
        result["peak_rss_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
        return result;
    }

    /// <summary>Runs <paramref name="step"/> <paramref name="warmup"/> times untimed, then <paramref name="iters"/>
    /// times: median and minimum wall time, median CPU time.</summary>
    private static JsonObject Time(string what, int iters, int warmup, Action step)
    {
        for (var i = 0; i < warmup; i++)
            step();
        var times = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (var i = 0; i < iters; i++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            step();
            times.Add(sw.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
        }
        // cpu_ms: the process's CPU time per step (all threads), steadier than wall time on a loaded machine.
        return new JsonObject
        {
            ["what"] = what,
            ["median_ms"] = Math.Round(Median(times), 2),
            ["min_ms"] = Math.Round(times.Min(), 2),
            ["iters"] = iters,
            ["cpu_ms"] = Math.Round(Median(cpu), 2),
        };
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1
            ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
