using System.CommandLine;
using Emolingua.Benchmarks;
using Emolingua.Models.Onnx;
using Emolingua.Util;
using TorchSharp;

namespace Emolingua.Cli.Commands;

/// <summary>
/// bench: parses the options and prints the line of <see cref="Bench.Run"/> (logmel, encoder, gemm; Benchmarks room)
/// or runs <see cref="StreamBench"/> (stream: it needs the server, which the library does not reference).
/// </summary>
public sealed class BenchCommand : CliCommand
{
    private readonly Argument<string> _target = new("TARGET")
    {
        Description = "what to time: logmel, encoder, gemm or stream (live streams over /api/stream; see the README)",
    };
    private readonly Option<int> _batch = CliOptions.Int("--batch", 8, "clips per step", min: 1);
    private readonly Option<double> _seconds = CliOptions.Seconds(
        "clip length (encoder: an even number of log-mel frames)",
        defaultValue: 4
    );
    private readonly Option<int> _threads = CliOptions.Int("--threads", 2, "libtorch threads", min: 1);
    private readonly Option<int?> _iters = CliOptions.OptionalInt(
        "--iters",
        "timed steps (default: logmel 20, encoder small 5, others 10)",
        min: 1
    );
    private readonly Option<int> _warmup = CliOptions.Int("--warmup", 2, "untimed steps first", min: 0);
    private readonly Option<string> _size = new("--size")
    {
        HelpName = "tiny|base|small",
        Description = "encoder size",
        DefaultValueFactory = _ => "small",
    };
    private readonly Option<string> _mode = new("--mode")
    {
        HelpName = "forward|train",
        Description = "encoder: forward only, or a training step",
        DefaultValueFactory = _ => "forward",
    };
    private readonly Option<Emolingua.Util.Precision> _precision = CliOptions.Precision();
    private readonly Option<int?> _m = CliOptions.OptionalInt(
        "--m",
        "gemm: rows of the left matrix (with --k and --n; default [1600×768]·[768×3072] and a peak search)",
        min: 1
    );
    private readonly Option<int?> _k = CliOptions.OptionalInt("--k", "gemm: inner dimension", min: 1);
    private readonly Option<int?> _n = CliOptions.OptionalInt("--n", "gemm: columns of the right matrix", min: 1);
    private readonly Option<string> _engine = new("--engine")
    {
        HelpName = "torch|onnx",
        Description = "encoder forward: TorchSharp, or the same encoder exported to ONNX and run by ONNX Runtime",
        DefaultValueFactory = _ => "torch",
    };
    private readonly Option<OnnxQuantization> _quantize = CliOptions.Quantize();
    private readonly Option<string> _streams = new("--streams")
    {
        HelpName = "N,N,...",
        Description = "stream: numbers of concurrent real-time streams",
        DefaultValueFactory = _ => DefaultStreams,
    };
    private const string DefaultStreams = "1,4,8";
    private readonly Option<double> _streamSeconds = CliOptions.Double(
        "--stream-seconds",
        30,
        "stream: seconds of audio per stream"
    );
    private readonly Option<bool> _capacity = CliOptions.Flag(
        "--capacity",
        "stream: add streams until p99 latency passes 1 s; report the most that stay within it against the compute bound"
    );

    public BenchCommand()
        : base(
            "bench",
            "Time the log-mel front end, a Whisper encoder step or a matrix product on random data; prints one JSON line."
        )
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
            if (
                r.GetValue(_target) == "encoder"
                && CliOptions.SecondsProblem(r.GetValue(_seconds), encoder: true) is { } problem
            )
            {
                r.AddError(
                    $"option --seconds: '{r.GetValue(_seconds).ToString(System.Globalization.CultureInfo.InvariantCulture)}' {problem}"
                );
            }

            var anyShape = r.GetValue(_m) != null || r.GetValue(_k) != null || r.GetValue(_n) != null;
            var allShape = r.GetValue(_m) != null && r.GetValue(_k) != null && r.GetValue(_n) != null;
            if (anyShape && r.GetValue(_target) != "gemm")
                r.AddError("--m, --k and --n belong to bench gemm");
            else if (anyShape && !allShape)
                r.AddError("bench gemm: give all of --m, --k and --n, or none");
            if (r.GetValue(_target) == "stream")
            {
                if ((r.GetValue(_size) ?? "small") is not ("demo" or "tiny" or "base" or "small"))
                    r.AddError("option --size: bench stream takes demo, tiny, base or small");
                if (ParseStreams(r.GetValue(_streams) ?? DefaultStreams) == null)
                    r.AddError($"option --streams: '{r.GetValue(_streams)}' is not a list of positive integers");
                if (!(r.GetValue(_streamSeconds) >= 2 * r.GetValue(_seconds)))
                    r.AddError("option --stream-seconds: at least two windows");
            }
            else if (
                r.GetValue(_engine) == "onnx"
                && (r.GetValue(_target) != "encoder" || r.GetValue(_mode) != "forward")
            )
            {
                r.AddError("option --engine onnx times the encoder forward only (bench encoder --mode forward)");
            }

            if (r.GetValue(_quantize) != OnnxQuantization.None && r.GetValue(_engine) != "onnx")
                r.AddError("option --quantize needs --engine onnx");
            if (
                r.GetValue(_precision) == Emolingua.Util.Precision.Bf16
                && (r.GetValue(_engine) == "onnx" || r.GetValue(_target) == "logmel")
            )
            {
                r.AddError(
                    "option --precision bf16 times TorchSharp's matrix products: bench encoder (--engine torch) or bench gemm"
                );
            }
        });
    }

    protected override int Run(ParseResult parsed)
    {
        var target = parsed.GetValue(_target)!;
        var batch = parsed.GetValue(_batch);
        var seconds = parsed.GetValue(_seconds);
        var threads = parsed.GetValue(_threads);
        var iters = parsed.GetValue(_iters);
        var warmup = parsed.GetValue(_warmup);
        var size = parsed.GetValue(_size)!;
        var mode = parsed.GetValue(_mode)!;
        var precision = parsed.GetValue(_precision);
        long? m = parsed.GetValue(_m),
            k = parsed.GetValue(_k),
            n = parsed.GetValue(_n);
        Precisions.Require(precision, "--precision", CpuFeatures.Machine);
        var onnx = parsed.GetValue(_engine) == "onnx";
        var quantization = parsed.GetValue(_quantize);
        torch.set_num_threads(threads);
        torch.random.manual_seed(0);
        if (target == "stream")
        {
            return StreamBench.Run(
                new StreamBench.Settings(
                    size,
                    parsed.GetValue(_engine)!,
                    quantization,
                    seconds,
                    ParseStreams(parsed.GetValue(_streams) ?? DefaultStreams)!,
                    parsed.GetValue(_streamSeconds),
                    batch,
                    parsed.GetValue(_capacity),
                    threads
                )
            );
        }

        var request = new BenchRequest(
            target,
            batch,
            seconds,
            threads,
            iters,
            warmup,
            size,
            mode,
            precision,
            m,
            k,
            n,
            onnx,
            quantization
        );
        Action<string>? phases =
            Environment.GetEnvironmentVariable("EMOLINGUA_BENCH_PHASES") == "1" ? Console.Error.WriteLine : null;
        Console.WriteLine(Json.Text(Bench.Run(request, phases), indented: false));
        return 0;
    }

    private static List<int>? ParseStreams(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var counts = parts
            .Select(p =>
                int.TryParse(
                    p,
                    System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out var n
                )
                && n > 0
                    ? n
                    : -1
            )
            .ToList();
        return counts.Count > 0 && counts.All(n => n > 0) ? counts : null;
    }
}
