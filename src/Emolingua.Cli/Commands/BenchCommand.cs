using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Emolingua.Corpora;
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
    private readonly Argument<string> _target = new("TARGET") { Description = "what to time: logmel, encoder or gemm" };
    private readonly Option<int> _batch = CliOptions.Int("--batch", 8, "clips per step", min: 1);
    private readonly Option<double> _seconds = CliOptions.Seconds("clip length (encoder: an even number of log-mel frames)", defaultValue: 4);
    private readonly Option<int> _threads = CliOptions.Int("--threads", 2, "libtorch threads", min: 1);
    private readonly Option<int?> _iters = CliOptions.OptionalInt("--iters", "timed steps (default: logmel 20, encoder small 5, others 10)", min: 1);
    private readonly Option<int> _warmup = CliOptions.Int("--warmup", 2, "untimed steps first", min: 0);
    private readonly Option<string> _size = new("--size") { HelpName = "tiny|base|small", Description = "encoder size", DefaultValueFactory = _ => "small" };
    private readonly Option<string> _mode = new("--mode") { HelpName = "forward|train", Description = "encoder: forward only, or a training step", DefaultValueFactory = _ => "forward" };
    private readonly Option<Emolingua.Util.Precision> _precision = CliOptions.Precision();
    private readonly Option<int?> _m = CliOptions.OptionalInt("--m", "gemm: rows of the left matrix (with --k and --n; default [1600×768]·[768×3072] and a peak search)", min: 1);
    private readonly Option<int?> _k = CliOptions.OptionalInt("--k", "gemm: inner dimension", min: 1);
    private readonly Option<int?> _n = CliOptions.OptionalInt("--n", "gemm: columns of the right matrix", min: 1);

    public BenchCommand() : base("bench", "Time the log-mel front end, a Whisper encoder step or a matrix product on random data; prints one JSON line.")
    {
        _target.AcceptOnlyFromAmong("logmel", "encoder", "gemm");
        _mode.AcceptOnlyFromAmong("forward", "train");
        Add(_target);
        Add(_batch);
        Add(_seconds);
        Add(_threads);
        Add(_iters);
        Add(_warmup);
        Add(_size);
        Add(_mode);
        Add(_precision);
        Add(_m);
        Add(_k);
        Add(_n);
        // The encoder's conv stride of 2 needs an even number of log-mel frames; the log-mel front end does not.
        Validators.Add(r =>
        {
            if (r.GetValue(_target) == "encoder" && CliOptions.SecondsProblem(r.GetValue(_seconds), encoder: true) is { } problem)
                r.AddError($"option --seconds: '{r.GetValue(_seconds).ToString(System.Globalization.CultureInfo.InvariantCulture)}' {problem}");
            bool anyShape = r.GetValue(_m) != null || r.GetValue(_k) != null || r.GetValue(_n) != null;
            bool allShape = r.GetValue(_m) != null && r.GetValue(_k) != null && r.GetValue(_n) != null;
            if (anyShape && r.GetValue(_target) != "gemm") r.AddError("--m, --k and --n belong to bench gemm");
            else if (anyShape && !allShape) r.AddError("bench gemm: give all of --m, --k and --n, or none");
        });
    }

    protected override int Run(ParseResult parsed)
    {
        string target = parsed.GetValue(_target)!;
        int batch = parsed.GetValue(_batch);
        double seconds = parsed.GetValue(_seconds);
        int threads = parsed.GetValue(_threads);
        int? iters = parsed.GetValue(_iters);
        int warmup = parsed.GetValue(_warmup);
        string size = parsed.GetValue(_size)!;
        string mode = parsed.GetValue(_mode)!;
        var precision = parsed.GetValue(_precision);
        long? m = parsed.GetValue(_m), k = parsed.GetValue(_k), n = parsed.GetValue(_n);
        Precisions.Require(precision, "--precision", CpuFeatures.Machine);
        torch.set_num_threads(threads);
        torch.random.manual_seed(0);

        var result = target switch
        {
            "logmel" => Time($"logmel b{batch} {seconds:0.##}s", iters ?? 20, warmup, LogMelStep(batch, seconds)),
            "gemm" => Gemm(m, k, n, iters ?? 10, warmup),
            _ => Time($"encoder {size} {mode} b{batch} {seconds:0.##}s", iters ?? (size == "small" ? 5 : 10), warmup,
                mode == "train" ? EncoderTrainStep(size, batch, seconds) : EncoderForwardStep(size, batch, seconds)),
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
        Console.WriteLine(Json.Text(result, indented: false));
        return 0;
    }

    private const int TrainHeadHidden = 256, TrainClasses = 4;

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

    /// <summary>Forward, cross-entropy on the emotion head (4 classes), backward, AdamW step; conv + positions frozen as in training.</summary>
    private static Action EncoderTrainStep(string size, int batch, double seconds)
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds));
        encoder.FreezeFrontEnd();
        var model = new EmotionClassifier(encoder, TrainClasses, TrainHeadHidden);
        model.train();
        var optimizer = new Emolingua.Training.AdamWOptimizer(model.named_parameters(), learningRate: 1e-5);
        var mel = randn(batch, encoder.Config.NumMelBins, encoder.Frames).DetachFromDisposeScope();
        var labels = randint(0, Emotions.All.Count, batch, dtype: ScalarType.Int64).DetachFromDisposeScope();
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
