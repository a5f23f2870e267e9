using System.CommandLine;
using Emolingua.Experiments;
using Emolingua.Inference;
using Emolingua.Util;
using Spectre.Console;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed partial class PredictCommand : CliCommand
{
    /// <summary>Exit status of <c>predict --out</c> when the CSV holds at least one file recorded with an
    /// error.</summary>
    public const int SomeFilesFailed = 3;

    private readonly Option<string> _model = CliOptions.RequiredPath(
        "--model",
        "RUN_DIR|model.onnx",
        "a training run, its model/ folder, or an exported .onnx file"
    );
    private readonly Option<EngineKind> _engine = new("--engine")
    {
        HelpName = "torch|onnx",
        Description =
            "the runtime (default: torch for a folder, onnx for an .onnx file; onnx on a folder exports the model in memory)",
        DefaultValueFactory = _ => EngineKind.Auto,
        CustomParser = r =>
            r.Tokens.FirstOrDefault()?.Value switch
            {
                "torch" => EngineKind.Torch,
                "onnx" => EngineKind.Onnx,
                var name => Refuse(r, $"option --engine: '{name}' is not torch or onnx"),
            },
    };
    private readonly Option<bool> _json = CliOptions.Flag(
        "--json",
        "one JSON object per file instead of a tab-separated line"
    );
    private readonly Option<bool> _segments = CliOptions.Flag(
        "--segments",
        "a timeline per file on the console; with --out, one CSV row per window"
    );
    private readonly Option<double> _minConfidence = CliOptions.Double(
        "--min-confidence",
        0,
        "label a clip 'uncertain' when its top probability is below this (0 to 1)"
    );
    private readonly Option<string?> _out = CliOptions.OptionalPath(
        "--out",
        "FILE.csv",
        "write one CSV row per file (or window) instead of printing; see the README for its columns"
    );
    private readonly Option<bool> _resume = CliOptions.Flag(
        "--resume",
        "with --out: continue the CSV, skipping the files already in it"
    );
    private readonly Option<int> _jobs = CliOptions.Int(
        "--jobs",
        2,
        "with --out: threads decoding audio ahead of inference",
        min: 1
    );
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<Emolingua.Util.Precision> _precision = CliOptions.Precision();
    private readonly Option<bool> _slurm = CliOptions.Flag(
        "--slurm",
        "with --out: shards on Slurm (a job array writing OUT.d/shard-K.csv, then a merge job writing OUT)"
    );
    private readonly Option<int?> _shards = CliOptions.OptionalInt(
        "--shards",
        $"--slurm: contiguous shards of the inputs, one array task each (default: one per {SlurmPrediction.DefaultFilesPerShard:N0} files)",
        min: 1
    );
    private readonly SlurmOptions _slurmOptions = new(
        "shard",
        "shards",
        wait: "--slurm: show progress until the merge job has ended; exit as predict --out does",
        cpusDefault: "--jobs",
        memExample: "8G",
        maxRequeues: "--slurm: a shard requeued more often (preemption, node failure) fails instead of running again"
    );
    private readonly Argument<string[]> _inputs = new("INPUT")
    {
        Arity = ArgumentArity.ZeroOrMore,
        Description =
            "audio files, folders (searched recursively) or lists of paths (text, or a manifest .csv/.jsonl with a path column)",
    };

    public PredictCommand()
        : base(
            "predict",
            "Predict the emotion of audio files, folders or lists (long files: overlapping windows, probabilities averaged); --out: a resumable CSV."
        )
    {
        _minConfidence.HelpName = "P";
        _minConfidence.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is not (>= 0 and <= 1))
                r.AddError($"option --min-confidence: {r.Tokens[0].Value} must be between 0 and 1");
        });
        Add(_model);
        Add(_engine);
        Add(_json);
        Add(_segments);
        Add(_minConfidence);
        Add(_out);
        Add(_resume);
        Add(_jobs);
        Add(_device);
        Add(_precision);
        Option[] slurmOptions = [_slurm, _shards, .. _slurmOptions.All];
        foreach (var option in slurmOptions)
            Add(option);
        Add(_inputs);
        AddStreamOptions();
        Add(
            StatusCommand(
                "OUT.d",
                "the folder predict --out OUT --slurm made beside OUT",
                "Shards of a predict --slurm run: done / running / pending / failed, files done, jobs, hosts and logs.",
                dir => PredictionStatus.Read(dir, new SlurmCommands())
            )
        );
        Add(RunShardCommand());
        Add(MergeCommand());
        Validators.Add(r =>
        {
            if (r.GetValue(_inputs) is not { Length: > 0 } && r.GetValue(_stream) == null)
            {
                r.AddError(
                    "INPUT: give at least one audio file, folder or list (or --stream - for live audio on stdin)"
                );
            }

            var toCsv = r.GetValue(_out) != null;
            if (r.GetValue(_slurm) && !toCsv)
                r.AddError("--slurm writes a CSV: give it with --out");
            _slurmOptions.RequireSlurm(r, _slurm, _shards);
            if (!toCsv && r.GetValue(_resume))
                r.AddError("--resume continues a CSV: give it with --out");
            if (toCsv && r.GetValue(_json))
                r.AddError("--json prints to the console; with --out the results go to the CSV");
        });
    }

    protected override int Run(ParseResult parsed)
    {
        var precision = parsed.GetValue(_precision);
        Precisions.Require(precision, "--precision", CpuFeatures.Machine);
        if (parsed.GetValue(_stream) is { } stream)
            return RunStream(parsed, stream);
        var inputs = parsed.GetValue(_inputs)!;
        if (parsed.GetValue(_slurm))
            return SubmitToSlurm(parsed, inputs);
        var files = PredictionInputs.Expand(inputs);
        if (files.Count == 0)
            throw new EmolinguaException($"predict: no audio files in {string.Join(", ", inputs)}");
        var segments = parsed.GetValue(_segments);
        var minConfidence = parsed.GetValue(_minConfidence);

        var engine = TorchFolderEngines.Open(
            parsed.GetValue(_model)!,
            parsed.GetValue(_engine),
            parsed.GetValue(_device)!
        );
        if (precision == Emolingua.Util.Precision.Bf16)
        {
            // bf16 is a TorchSharp compute mode; an ONNX graph runs as it was exported (fp32 or int8).
            if (engine is not TorchEmotionEngine torchEngine)
            {
                engine.Dispose();
                throw new EmolinguaException(
                    $"--precision bf16: the {engine.Name} engine runs the graph as exported; bf16 needs --engine torch and a model folder"
                );
            }
            torchEngine.Model.encoder.Precision = precision;
        }
        using var recognizer = new EmotionRecognizer(engine);
        if (parsed.GetValue(_out) is { } outPath)
        {
            return PredictToCsv(
                recognizer,
                files,
                new BatchOptions
                {
                    OutPath = outPath,
                    Resume = parsed.GetValue(_resume),
                    Segments = segments,
                    Jobs = parsed.GetValue(_jobs),
                    MinConfidence = minConfidence,
                }
            );
        }

        var json = parsed.GetValue(_json);
        foreach (var file in files)
        {
            var p = recognizer.Predict(file);
            if (json)
            {
                Console.WriteLine(
                    Json.Text(PredictionText.Json(file, p, recognizer.Labels, minConfidence, segments), indented: false)
                );
            }
            else
            {
                Console.WriteLine(PredictionText.Line(file, p, recognizer.Labels, minConfidence));
                if (segments)
                {
                    foreach (var line in PredictionText.Timeline(p, minConfidence))
                        Console.WriteLine(line);
                }
            }
        }
        return 0;
    }

    /// <summary>
    /// The batch, with a progress bar (files, files/s, ETA) on stderr, or a plain progress line every 5 s when stderr
    /// is not a terminal (logs of batch jobs); the exit status says whether any file failed.
    /// </summary>
    private static int PredictToCsv(EmotionRecognizer recognizer, IReadOnlyList<string> files, BatchOptions options)
    {
        BatchSummary summary;
        if (Console.IsErrorRedirected)
        {
            var lastLine = DateTime.MinValue;
            summary = BatchPrediction.Run(recognizer, files, options, p =>
            {
                if (p.Done < p.Pending && DateTime.UtcNow - lastLine < TimeSpan.FromSeconds(5))
                    return;
                lastLine = DateTime.UtcNow;
                Console.Error.WriteLine(
                    Describe(p)
                        + (
                            p.Done < p.Pending && p.FilesPerSecond > 0
                                ? $", ETA {TimeSpan.FromSeconds(Math.Ceiling((p.Pending - p.Done) / p.FilesPerSecond)):c}"
                                : ""
                        )
                );
            });
        }
        else
        {
            summary = ProgressBars.Bars(ctx =>
            {
                ProgressTask? task = null;
                var result = BatchPrediction.Run(recognizer, files, options, p =>
                {
                    task ??= ctx.AddTask("predict", maxValue: Math.Max(1, p.Pending));
                    task.Value = p.Done;
                    task.Description = Describe(p);
                });
                task?.StopTask();
                return result;
            });
        }
        Console.Error.WriteLine(
            $"predict: {summary.Predicted} files predicted, {summary.Skipped} already in {options.OutPath}, {summary.Failed} failed"
                + (summary.Failed > 0 ? " (see the error column)" : "")
                + FormattableString.Invariant(
                    $"; {summary.Seconds:0.0} s, inference waited for decoding {100 * summary.InputWaitFraction:0.0} % of it"
                )
        );
        return summary.Failed > 0 ? SomeFilesFailed : 0;
    }

    /// <summary>--slurm: the shard array and merge job (Experiments.SlurmPrediction); the model is loaded on the
    /// nodes.</summary>
    private int SubmitToSlurm(ParseResult parsed, string[] inputs)
    {
        var model = parsed.GetValue(_model)!;
        if (!File.Exists(model) && !Directory.Exists(model))
            throw new EmolinguaException(model, "--model: no such file or folder");
        var device = parsed.GetValue(_device)!;
        var engine = parsed.GetValue(_engine) switch
        {
            EngineKind.Torch => "torch",
            EngineKind.Onnx => "onnx",
            _ => "auto",
        };
        var p = new SlurmPrediction.Options(
            model,
            engine,
            device.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu",
            parsed.GetValue(_segments),
            parsed.GetValue(_minConfidence),
            parsed.GetValue(_jobs),
            parsed.GetValue(_shards),
            parsed.GetValue(_resume)
        );
        var o = _slurmOptions.Read(parsed);
        return SlurmPrediction.Submit(
            inputs,
            parsed.GetValue(_out)!,
            p,
            o,
            ExperimentCommand.Launcher(),
            Console.WriteLine,
            Console.Error.WriteLine
        );
    }

    private static Command RunShardCommand()
    {
        var dir = new Argument<string>("OUT.d") { Description = "the sharded prediction folder" };
        var shard = new Option<int>("--shard")
        {
            Required = true,
            HelpName = "K",
            Description = "the shard to predict (a Slurm array task's index)",
        };
        var command = new Command(
            "run-shard",
            "Predict one shard of a predict --slurm run into OUT.d/shard-K.csv (what each array task runs; resumes its CSV)."
        )
        {
            dir,
            shard,
        };
        command.SetAction(parsed =>
            SlurmPrediction.RunShard(parsed.GetValue(dir)!, parsed.GetValue(shard), Console.Error.WriteLine)
        );
        return command;
    }

    private static Command MergeCommand()
    {
        var dir = new Argument<string>("OUT.d") { Description = "the sharded prediction folder" };
        var command = new Command(
            "merge",
            "Write the --out CSV of a predict --slurm run from its shards, in input order (what the merge job runs)."
        )
        {
            dir,
        };
        command.SetAction(parsed =>
        {
            SlurmPrediction.Merge(parsed.GetValue(dir)!, Console.Error.WriteLine);
            return 0;
        });
        return command;
    }

    private static string Describe(BatchProgress p) =>
        FormattableString.Invariant($"predict {p.Done}/{p.Pending} files, {p.FilesPerSecond:0.0} files/s")
        + (p.Failed > 0 ? $", {p.Failed} failed" : "");

    private static EngineKind Refuse(System.CommandLine.Parsing.ArgumentResult r, string problem)
    {
        r.AddError(problem);
        return EngineKind.Auto;
    }
}
