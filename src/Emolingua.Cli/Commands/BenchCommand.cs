using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    public override string Name => "bench";
    public override string Usage =>
        "logmel --batch B --seconds S [--threads T] [--iters N] | encoder --size tiny|base|small --batch B --seconds S --mode forward|train [--engine torch|onnx] [--quantize int8] [--threads T] [--iters N]";
    public override string Summary => "Time the log-mel front end or a Whisper encoder step on random data; prints one JSON line.";

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
        string engine = args.Option("--engine") ?? "torch";
        var quantization = QuantizeOption.Parse(Name, args.Option("--quantize"));
        if (engine is not ("torch" or "onnx")) throw new EmolinguaException($"bench: option --engine: '{engine}' is not torch or onnx");
        if (engine == "onnx" && (target != "encoder" || mode != "forward"))
            throw new EmolinguaException("bench: --engine onnx times the encoder forward only (bench encoder --mode forward)");
        if (quantization != OnnxQuantization.None && engine != "onnx")
            throw new EmolinguaException("bench: --quantize needs --engine onnx");
        args.Positionals();
        torch.set_num_threads(threads);
        torch.random.manual_seed(0);

        var result = target switch
        {
            "logmel" => Time($"logmel b{batch} {seconds:0.##}s", iters ?? 20, warmup, LogMelStep(batch, seconds)),
            "encoder" => Time($"encoder {size} {mode} b{batch} {seconds:0.##}s{(engine == "onnx" ? " onnx" + (quantization == OnnxQuantization.Int8 ? " int8" : "") : "")}",
                iters ?? (size == "small" ? 5 : 10), warmup,
                mode switch
                {
                    "forward" when engine == "onnx" => EncoderOnnxForwardStep(size, batch, seconds, threads, quantization),
                    "forward" => EncoderForwardStep(size, batch, seconds),
                    "train" => EncoderTrainStep(size, batch, seconds),
                    _ => throw new EmolinguaException($"bench: --mode must be forward or train, not '{mode}'"),
                }),
            _ => throw new EmolinguaException($"bench: unknown target '{target}' (logmel or encoder)"),
        };
        result["impl"] = "emolingua";
        result["threads"] = threads;
        result["peak_rss_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
        Console.WriteLine(result.ToJsonString());
        return 0;
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

    /// <summary>Forward, cross-entropy on a 4-class head, backward, AdamW step; conv + positions frozen as in training.</summary>
    private static Action EncoderTrainStep(string size, int batch, double seconds)
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds));
        encoder.FreezeFrontEnd();
        var model = new EmotionClassifier(encoder);
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
