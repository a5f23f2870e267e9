using System.Diagnostics;
using System.Text.Json.Nodes;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Util;
using TorchSharp;
using static TorchSharp.torch;
using static Emolingua.Util.Scalars;

namespace Emolingua.Cli.Commands;

/// <summary>
/// Micro-benchmarks with a PyTorch twin (bench/pytorch/bench.py takes the same arguments and prints the same line):
/// one JSON line {"what", "median_ms", "min_ms", ...} after warm-up.
/// </summary>
public sealed class BenchCommand : CliCommand
{
    public override string Name => "bench";
    public override string Usage =>
        "logmel --batch B --seconds S [--threads T] [--iters N] | encoder --size tiny|base|small --batch B --seconds S --mode forward|train [--precision fp32|bf16] [--threads T] [--iters N] | gemm [--m M --k K --n N] [--threads T] [--iters N]";
    public override string Summary => "Time the log-mel front end, a Whisper encoder step or a matrix product on random data; prints one JSON line.";

    public override int Run(CliArgs args)
    {
        string target = args.Subcommand() ?? throw new EmolinguaException("bench: say what to time: logmel or encoder");
        int batch = args.Int("--batch", 8, min: 1);
        double seconds = args.Seconds(fallback: 4, encoder: target == "encoder");
        int threads = args.Int("--threads", 2, min: 1);
        int? iters = args.IntOrNull("--iters");
        if (iters < 1) throw new EmolinguaException($"bench: option --iters: {iters} must be at least 1");
        int warmup = args.Int("--warmup", 2, min: 0);
        string size = args.Option("--size") ?? "small";
        string mode = args.Option("--mode") ?? "forward";
        var precision = Precisions.Parse(args.Option("--precision"), "--precision");
        long? m = LongOrNull(args, "--m"), k = LongOrNull(args, "--k"), n = LongOrNull(args, "--n");
        args.Positionals();
        if (target != "gemm" && (m ?? k ?? n) != null) throw new EmolinguaException("bench: --m, --k and --n belong to bench gemm");
        Precisions.Require(precision, "--precision", CpuFeatures.Machine);
        torch.set_num_threads(threads);
        torch.random.manual_seed(0);

        var result = target switch
        {
            "gemm" => Gemm(m, k, n, iters ?? 10, warmup),
            "logmel" => Time($"logmel b{batch} {seconds:0.##}s", iters ?? 20, warmup, LogMelStep(batch, seconds)),
            "encoder" => Time($"encoder {size} {mode} b{batch} {seconds:0.##}s", iters ?? (size == "small" ? 5 : 10), warmup,
                mode switch
                {
                    "forward" => EncoderForwardStep(size, batch, seconds),
                    "train" => EncoderTrainStep(size, batch, seconds),
                    _ => throw new EmolinguaException($"bench: --mode must be forward or train, not '{mode}'"),
                }),
            _ => throw new EmolinguaException($"bench: unknown target '{target}' (logmel, encoder or gemm)"),
        };
        if (target == "encoder")
        {
            // Achieved rate and the fraction of the matrix-product peak measured in this process, just after the steps.
            var config = WhisperConfig.ForSize(size);
            int positions = WhisperAudio.PositionsFor(seconds);
            double flops = mode == "train"
                ? EncoderFlops.TrainStep(config, batch, positions, TrainHeadHidden, TrainClasses)
                : EncoderFlops.Forward(config, batch, positions);
            double gflops = flops / ((double)result["median_ms"]! * 1e6);
            var peak = MatmulThroughput.Measure(MatmulThroughput.Default, iterations: 10);
            result["gflop"] = Math.Round(flops / 1e9, 1);
            result["gflops"] = Math.Round(gflops, 1);
            result["peak_gflops"] = Math.Round(peak.GFlops, 1);
            result["fraction_of_peak"] = Math.Round(gflops / peak.GFlops, 3);
            result["precision"] = precision.Name();
        }
        result["impl"] = "emolingua";
        (result["mkl"], result["malloc"], result["omp_wait_policy"]) = NativeRuntime.Describe();
        result["threads"] = threads;
        result["peak_rss_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
        Console.WriteLine(result.ToJsonString());
        return 0;
    }

    private const int TrainHeadHidden = 256, TrainClasses = 4;

    private static long? LongOrNull(CliArgs args, string name)
    {
        int? value = args.IntOrNull(name);
        if (value < 1) throw new EmolinguaException($"bench: option {name}: {value} must be at least 1");
        return value;
    }

    private static JsonObject Time(string what, int iters, int warmup, Action step)
    {
        var t = StepTimer.Time(step, iters, warmup);
        return new JsonObject { ["what"] = what, ["median_ms"] = Math.Round(t.MedianMs, 2), ["min_ms"] = Math.Round(t.MinMs, 2), ["iters"] = iters };
    }

    /// <summary>
    /// FP32 [M×K]·[K×N] through libtorch: GFLOP/s of the given shape (default [1600×768]·[768×3072]); without a shape,
    /// also the best of <see cref="MatmulThroughput.PeakShapes"/> as "peak_gflops".
    /// </summary>
    private static JsonObject Gemm(long? m, long? k, long? n, int iters, int warmup)
    {
        if ((m == null || k == null || n == null) && (m ?? k ?? n) != null)
            throw new EmolinguaException("bench gemm: give all of --m, --k and --n, or none");
        var shape = m is { } mm && k is { } kk && n is { } nn ? new MatmulThroughput.Shape(mm, kk, nn) : MatmulThroughput.Default;
        var measured = MatmulThroughput.Measure(shape, iters, warmup);
        var result = new JsonObject
        {
            ["what"] = $"gemm {shape}", ["median_ms"] = Math.Round(measured.Timing.MedianMs, 3), ["min_ms"] = Math.Round(measured.Timing.MinMs, 3),
            ["iters"] = iters, ["gflops"] = Math.Round(measured.GFlops, 1), ["best_gflops"] = Math.Round(measured.BestGFlops, 1),
        };
        if (m == null)
        {
            var peak = MatmulThroughput.Peak(iters);
            result["peak_gflops"] = Math.Round(Math.Max(peak.GFlops, measured.GFlops), 1);
            result["peak_shape"] = (peak.GFlops >= measured.GFlops ? peak.Shape : shape).ToString();
        }
        result["cpu"] = CpuFeatures.Machine.VectorExtension;
        return result;
    }

    private static Action LogMelStep(int batch, double seconds)
    {
        var waveforms = (randn(batch, WhisperAudio.SamplesFor(seconds)) * Held(0.1)).DetachFromDisposeScope();
        return () =>
        {
            using var scope = NewDisposeScope();
            WhisperLogMel.Compute(waveforms);
        };
    }

    private static Action EncoderForwardStep(string size, int batch, double seconds)
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds));
        encoder.eval();
        var mel = randn(batch, encoder.Config.NumMelBins, encoder.Frames).DetachFromDisposeScope();
        return () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            encoder.forward(mel);
        };
    }

    /// <summary>Forward, cross-entropy on a 4-class head, backward, AdamW step; conv + positions frozen as in training.</summary>
    private static Action EncoderTrainStep(string size, int batch, double seconds)
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds));
        encoder.FreezeFrontEnd();
        var model = new EmotionClassifier(encoder, TrainClasses, TrainHeadHidden);
        model.train();
        var optimizer = new Emolingua.Training.AdamWOptimizer(model.named_parameters(), learningRate: 1e-5);
        var mel = randn(batch, encoder.Config.NumMelBins, encoder.Frames).DetachFromDisposeScope();
        var labels = randint(0, 4, batch, dtype: ScalarType.Int64).DetachFromDisposeScope();
        return () =>
        {
            using var scope = NewDisposeScope();
            var t0 = Stopwatch.GetTimestamp();
            optimizer.ZeroGrad();
            var loss = nn.functional.cross_entropy(model.forward(mel), labels);
            var t1 = Stopwatch.GetTimestamp();
            loss.backward();
            var t2 = Stopwatch.GetTimestamp();
            optimizer.StepOnce();
            var t3 = Stopwatch.GetTimestamp();
            if (Environment.GetEnvironmentVariable("EMOLINGUA_BENCH_PHASES") == "1")
                Console.Error.WriteLine($"forward {Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds:0} ms, backward {Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds:0} ms, optimizer {Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds:0} ms");
        };
    }
}
