using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Models.Onnx;
using Emolingua.Util;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
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
    private readonly Argument<string> _target = new("TARGET") { Description = "what to time: logmel, encoder, gemm or stream (live streams over /api/stream; see the README)" };
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
    private readonly Option<string> _engine = new("--engine") { HelpName = "torch|onnx", Description = "encoder forward: TorchSharp, or the same encoder exported to ONNX and run by ONNX Runtime", DefaultValueFactory = _ => "torch" };
    private readonly Option<OnnxQuantization> _quantize = CliOptions.Quantize();
    private readonly Option<string> _streams = new("--streams") { HelpName = "N,N,...", Description = "stream: numbers of concurrent real-time streams", DefaultValueFactory = _ => DefaultStreams };
    private const string DefaultStreams = "1,4,8";
    private readonly Option<double> _streamSeconds = CliOptions.Double("--stream-seconds", 30, "stream: seconds of audio per stream");
    private readonly Option<bool> _capacity = CliOptions.Flag("--capacity", "stream: add streams until p99 latency passes 1 s; report the most that stay within it against the compute bound");

    public BenchCommand() : base("bench", "Time the log-mel front end, a Whisper encoder step or a matrix product on random data; prints one JSON line.")
    {
        _target.AcceptOnlyFromAmong("logmel", "encoder", "gemm", "stream");
        _mode.AcceptOnlyFromAmong("forward", "train");
        _engine.AcceptOnlyFromAmong("torch", "onnx");
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
        Add(_engine);
        Add(_quantize);
        Add(_streams);
        Add(_streamSeconds);
        Add(_capacity);
        // The encoder's conv stride of 2 needs an even number of log-mel frames; the log-mel front end does not.
        Validators.Add(r =>
        {
            if (r.GetValue(_target) == "encoder" && CliOptions.SecondsProblem(r.GetValue(_seconds), encoder: true) is { } problem)
                r.AddError($"option --seconds: '{r.GetValue(_seconds).ToString(System.Globalization.CultureInfo.InvariantCulture)}' {problem}");
            bool anyShape = r.GetValue(_m) != null || r.GetValue(_k) != null || r.GetValue(_n) != null;
            bool allShape = r.GetValue(_m) != null && r.GetValue(_k) != null && r.GetValue(_n) != null;
            if (anyShape && r.GetValue(_target) != "gemm") r.AddError("--m, --k and --n belong to bench gemm");
            else if (anyShape && !allShape) r.AddError("bench gemm: give all of --m, --k and --n, or none");
            if (r.GetValue(_target) == "stream")
            {
                if ((r.GetValue(_size) ?? "small") is not ("demo" or "tiny" or "base" or "small")) r.AddError("option --size: bench stream takes demo, tiny, base or small");
                if (ParseStreams(r.GetValue(_streams) ?? DefaultStreams) == null) r.AddError($"option --streams: '{r.GetValue(_streams)}' is not a list of positive integers");
                if (!(r.GetValue(_streamSeconds) >= 2 * r.GetValue(_seconds))) r.AddError("option --stream-seconds: at least two windows");
            }
            else if (r.GetValue(_engine) == "onnx" && (r.GetValue(_target) != "encoder" || r.GetValue(_mode) != "forward"))
                r.AddError("option --engine onnx times the encoder forward only (bench encoder --mode forward)");
            if (r.GetValue(_quantize) != OnnxQuantization.None && r.GetValue(_engine) != "onnx")
                r.AddError("option --quantize needs --engine onnx");
            if (r.GetValue(_precision) == Emolingua.Util.Precision.Bf16 && (r.GetValue(_engine) == "onnx" || r.GetValue(_target) == "logmel"))
                r.AddError("option --precision bf16 times TorchSharp's matrix products: bench encoder (--engine torch) or bench gemm");
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
        bool onnx = parsed.GetValue(_engine) == "onnx";
        var quantization = parsed.GetValue(_quantize);
        torch.set_num_threads(threads);
        torch.random.manual_seed(0);
        if (target == "stream")
            return StreamBench.Run(new StreamBench.Settings(size, parsed.GetValue(_engine)!, quantization, seconds, ParseStreams(parsed.GetValue(_streams) ?? DefaultStreams)!,
                parsed.GetValue(_streamSeconds), batch, parsed.GetValue(_capacity), threads));

        var result = target switch
        {
            "logmel" => Time($"logmel b{batch} {seconds:0.##}s", iters ?? 20, warmup, LogMelStep(batch, seconds)),
            "gemm" => Gemm(m, k, n, iters ?? 10, warmup, threads, precision),
            _ => Time($"encoder {size} {mode} b{batch} {seconds:0.##}s{(onnx ? " onnx" + (quantization == OnnxQuantization.Int8 ? " int8" : "") : "")}",
                iters ?? (size == "small" ? 5 : 10), warmup,
                mode == "train" ? EncoderTrainStep(size, batch, seconds, precision)
                : onnx ? EncoderOnnxForwardStep(size, batch, seconds, threads, quantization)
                : EncoderForwardStep(size, batch, seconds, precision)),
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
        (_, result["malloc"], result["omp_wait_policy"]) = NativeRuntime.Describe();
        foreach (var (key, value) in MachineReport.Describe()) result[key] = value?.DeepClone();
        result["peak_rss_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
        Console.WriteLine(Json.Text(result, indented: false));
        return 0;
    }

    private const int TrainHeadHidden = 256, TrainClasses = 4;

    private static List<int>? ParseStreams(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var counts = parts.Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : -1).ToList();
        return counts.Count > 0 && counts.All(n => n > 0) ? counts : null;
    }

    private static JsonObject Time(string what, int iters, int warmup, Action step)
    {
        for (int i = 0; i < warmup; i++) step();
        var times = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int i = 0; i < iters; i++)
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
        return new JsonObject { ["what"] = what, ["median_ms"] = Math.Round(Median(times), 2), ["min_ms"] = Math.Round(times.Min(), 2), ["iters"] = iters,
            ["cpu_ms"] = Math.Round(Median(cpu), 2) };
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>
    /// FP32 [M×K]·[K×N] through libtorch: GFLOP/s of the given shape (default [1600×768]·[768×3072]); without a shape,
    /// also the best of <see cref="MatmulThroughput.PeakShapes"/> as "peak_gflops".
    /// </summary>
    private static JsonObject Gemm(long? m, long? k, long? n, int iters, int warmup, int threads, Emolingua.Util.Precision precision)
    {
        var shape = m is { } mm && k is { } kk && n is { } nn ? new MatmulThroughput.Shape(mm, kk, nn) : MatmulThroughput.Default;
        var measured = MatmulThroughput.Measure(shape, iters, warmup, Precisions.ComputeType(precision) ?? ScalarType.Float32);
        var result = new JsonObject
        {
            ["what"] = $"gemm {shape}", ["median_ms"] = Math.Round(measured.Timing.MedianMs, 3), ["min_ms"] = Math.Round(measured.Timing.MinMs, 3),
            ["iters"] = iters, ["gflops"] = Math.Round(measured.GFlops, 1), ["best_gflops"] = Math.Round(measured.BestGFlops, 1),
            ["precision"] = precision.Name(),
        };
        if (m == null && precision == Emolingua.Util.Precision.Fp32)
        {
            var peak = MatmulThroughput.Peak(iters);
            double peakGFlops = Math.Max(peak.GFlops, measured.GFlops);
            result["peak_gflops"] = Math.Round(peakGFlops, 1);
            result["peak_shape"] = (peak.GFlops >= measured.GFlops ? peak.Shape : shape).ToString();
            // The machine's FP32 ceiling from its flags, cores and clock: cores × FMA/cycle × 2 flops × clock.
            var cpu = CpuFeatures.Machine;
            var (fmaPerCycle, basis) = cpu.FmaThroughput();
            int cores = Math.Min(threads, Environment.ProcessorCount);
            double clock = CpuClock.MeasureGHz(cores);
            double fp32Peak = cores * fmaPerCycle * 2 * clock;
            result["clock_ghz"] = Math.Round(clock, 2);
            if (cpu.NominalMHz is { } mhz) result["nominal_ghz"] = Math.Round(mhz / 1000, 2);
            result["fma_per_cycle"] = fmaPerCycle;
            result["fma_basis"] = basis;
            result["fp32_peak_gflops"] = Math.Round(fp32Peak, 1);
            result["fraction_of_fp32_peak"] = Math.Round(measured.GFlops / fp32Peak, 3);
            result["peak_fraction_of_fp32_peak"] = Math.Round(peakGFlops / fp32Peak, 3);
        }
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

    private static Action EncoderForwardStep(string size, int batch, double seconds, Emolingua.Util.Precision precision)
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds)) { Precision = precision };
        encoder.eval();
        var mel = randn(batch, encoder.Config.NumMelBins, encoder.Frames).DetachFromDisposeScope();
        return () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            encoder.forward(mel);
        };
    }

    /// <summary>
    /// The same encoder (same random weights, same input) exported with <see cref="OnnxExport.EncoderModel"/> and run by
    /// ONNX Runtime with <see cref="OnnxSessions"/>' options and <paramref name="threads"/> intra-op threads.
    /// EMOLINGUA_BENCH_PHASES=1 prints ONNX Runtime's time per operator type (from its profiler) after the run.
    /// </summary>
    private static Action EncoderOnnxForwardStep(string size, int batch, double seconds, int threads, OnnxQuantization quantization)
    {
        byte[] graph;
        int positions = WhisperAudio.PositionsFor(seconds);
        var config = WhisperConfig.ForSize(size);
        using (var encoder = new WhisperEncoder(config, positions))
        {
            var state = encoder.state_dict();
            graph = OnnxExport.EncoderModel(config, positions, name => (state[name].data<float>().ToArray(), state[name].shape), quantization).ToByteArray();
        }
        bool phases = Environment.GetEnvironmentVariable("EMOLINGUA_BENCH_PHASES") == "1";
        using var options = OnnxSessions.Options(threads);
        if (phases)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), $"emolingua-ort-profile-{Environment.ProcessId}");
        }
        var session = new InferenceSession(graph, options);
        if (phases) AppDomain.CurrentDomain.ProcessExit += (_, _) => PrintOperatorTimes(session.EndProfiling());
        using var noise = randn(batch, config.NumMelBins, 2 * positions);
        var mel = noise.data<float>().ToArray();                                    // [B, n_mels, frames]
        var input = OrtValue.CreateTensorValueFromMemory(mel, [batch, config.NumMelBins, 2 * positions]);
        var runOptions = new RunOptions();
        return () =>
        {
            using var outputs = session.Run(runOptions, [OnnxExport.Mel], [input], [OnnxExport.Hidden]);
        };
    }

    /// <summary>Kernel time per operator type, per run, from an ONNX Runtime profile (a JSON list of trace events).</summary>
    private static void PrintOperatorTimes(string profilePath)
    {
        using (var doc = JsonDocument.Parse(File.ReadAllText(profilePath)))
        {
            var events = doc.RootElement.EnumerateArray().ToList();
            int runs = events.Count(e => e.GetProperty("cat").GetString() == "Session" && e.GetProperty("name").GetString() == "model_run");
            var byOp = events
                .Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time"))
                .GroupBy(e => e.GetProperty("args").GetProperty("op_name").GetString()!)
                .Select(g => (Op: g.Key, Ms: g.Sum(e => e.GetProperty("dur").GetInt64()) / 1000.0 / Math.Max(1, runs)))
                .OrderByDescending(x => x.Ms).ToList();
            double total = byOp.Sum(x => x.Ms);
            Console.Error.WriteLine($"ONNX Runtime kernel time per run ({runs} runs): " + string.Join(", ", byOp.Select(x => $"{x.Op} {x.Ms:0} ms ({100 * x.Ms / total:0.0} %)")));
        }
        File.Delete(profilePath);
    }

    /// <summary>Forward, cross-entropy on the emotion head (4 classes), backward, AdamW step; conv + positions frozen as in training.</summary>
    private static Action EncoderTrainStep(string size, int batch, double seconds, Emolingua.Util.Precision precision)
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds)) { Precision = precision };
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
