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
    private readonly Argument<string> _target = new("TARGET") { Description = "what to time: logmel or encoder" };
    private readonly Option<int> _batch = CliOptions.Int("--batch", 8, "clips per step", min: 1);
    private readonly Option<double> _seconds = CliOptions.Seconds("clip length (encoder: an even number of log-mel frames)", defaultValue: 4);
    private readonly Option<int> _threads = CliOptions.Int("--threads", 2, "libtorch threads", min: 1);
    private readonly Option<int?> _iters = CliOptions.OptionalInt("--iters", "timed steps (default: logmel 20, encoder small 5, others 10)", min: 1);
    private readonly Option<int> _warmup = CliOptions.Int("--warmup", 2, "untimed steps first", min: 0);
    private readonly Option<string> _size = new("--size") { HelpName = "tiny|base|small", Description = "encoder size", DefaultValueFactory = _ => "small" };
    private readonly Option<string> _mode = new("--mode") { HelpName = "forward|train", Description = "encoder: forward only, or a training step", DefaultValueFactory = _ => "forward" };

    public BenchCommand() : base("bench", "Time the log-mel front end or a Whisper encoder step on random data; prints one JSON line.")
    {
        _target.AcceptOnlyFromAmong("logmel", "encoder");
        _mode.AcceptOnlyFromAmong("forward", "train");
        Add(_target);
        Add(_batch);
        Add(_seconds);
        Add(_threads);
        Add(_iters);
        Add(_warmup);
        Add(_size);
        Add(_mode);
        // The encoder's conv stride of 2 needs an even number of log-mel frames; the log-mel front end does not.
        Validators.Add(r =>
        {
            if (r.GetValue(_target) == "encoder" && CliOptions.SecondsProblem(r.GetValue(_seconds), encoder: true) is { } problem)
                r.AddError($"option --seconds: '{r.GetValue(_seconds).ToString(System.Globalization.CultureInfo.InvariantCulture)}' {problem}");
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
        torch.set_num_threads(threads);
        torch.random.manual_seed(0);

        var result = target switch
        {
            "logmel" => Time($"logmel b{batch} {seconds:0.##}s", iters ?? 20, warmup, LogMelStep(batch, seconds)),
            _ => Time($"encoder {size} {mode} b{batch} {seconds:0.##}s", iters ?? (size == "small" ? 5 : 10), warmup,
                mode == "train" ? EncoderTrainStep(size, batch, seconds) : EncoderForwardStep(size, batch, seconds)),
        };
        result["impl"] = "emolingua";
        result["threads"] = threads;
        result["peak_rss_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
        Console.WriteLine(Json.Text(result, indented: false));
        return 0;
    }

    private static JsonObject Time(string what, int iters, int warmup, Action step)
    {
        for (int i = 0; i < warmup; i++) step();
        var times = new List<double>();
        for (int i = 0; i < iters; i++)
        {
            var sw = Stopwatch.StartNew();
            step();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
        return new JsonObject { ["what"] = what, ["median_ms"] = Math.Round(median, 2), ["min_ms"] = Math.Round(times[0], 2), ["iters"] = iters };
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
        var model = new EmotionClassifier(encoder, Emotions.All.Count);
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
