using Emolingua.Inference;
using Emolingua.Util;
using Spectre.Console;

namespace Emolingua.Cli.Commands;

public sealed class PredictCommand : CliCommand
{
    /// <summary>Exit status of <c>predict --out</c> when the CSV holds at least one file recorded with an error.</summary>
    public const int SomeFilesFailed = 3;

    public override string Name => "predict";
    public override string Usage => "--model RUN_DIR [--json] [--segments] [--min-confidence P] [--device cpu|cuda] INPUT...  |  " +
        "--model RUN_DIR INPUT... --out predictions.csv [--resume] [--segments] [--jobs N] [--min-confidence P]";
    public override string Summary => "Predict the emotion of audio files, folders or lists (long files: overlapping windows, probabilities averaged); --out: a resumable CSV.";

    public override int Run(CliArgs args)
    {
        var modelDir = args.Required("--model");
        bool json = args.Flag("--json");
        bool segments = args.Flag("--segments");
        bool resume = args.Flag("--resume");
        var outPath = args.Option("--out");
        int jobs = args.Int("--jobs", 2, min: 1);
        double minConfidence = args.Double("--min-confidence", 0);
        if (!(minConfidence is >= 0 and <= 1)) throw new EmolinguaException($"predict: option --min-confidence: {minConfidence} must be between 0 and 1");
        var device = DeviceOption.Parse(args.Option("--device"));
        var inputs = args.Positionals();
        if (inputs.Count == 0) throw new EmolinguaException("predict: give at least one INPUT (audio file, folder or list)");
        if (outPath == null && resume) throw new EmolinguaException("predict: --resume continues a CSV: give it with --out");
        if (outPath != null && json) throw new EmolinguaException("predict: --json prints to the console; with --out the results go to the CSV");
        var files = PredictionInputs.Expand(inputs);
        if (files.Count == 0) throw new EmolinguaException($"predict: no audio files in {string.Join(", ", inputs)}");

        using var recognizer = EmotionRecognizer.Load(modelDir, device);
        if (outPath != null) return PredictToCsv(recognizer, files, new BatchOptions { OutPath = outPath, Resume = resume, Segments = segments, Jobs = jobs, MinConfidence = minConfidence });

        foreach (var file in files)
        {
            var p = recognizer.Predict(file);
            if (json) Console.WriteLine(PredictionText.Json(file, p, recognizer.Labels, minConfidence, segments).ToJsonString());
            else
            {
                Console.WriteLine(PredictionText.Line(file, p, recognizer.Labels, minConfidence));
                if (segments) foreach (var line in PredictionText.Timeline(p, minConfidence)) Console.WriteLine(line);
            }
        }
        return 0;
    }

    /// <summary>
    /// The batch, with a progress bar (files, files/s, ETA) on stderr, or a plain progress line every 5 s when stderr is
    /// not a terminal (logs of batch jobs); the exit status says whether any file failed.
    /// </summary>
    private static int PredictToCsv(EmotionRecognizer recognizer, IReadOnlyList<string> files, BatchOptions options)
    {
        BatchSummary summary;
        if (Console.IsErrorRedirected)
        {
            var lastLine = DateTime.MinValue;
            summary = BatchPrediction.Run(recognizer, files, options, p =>
            {
                if (p.Done < p.Pending && DateTime.UtcNow - lastLine < TimeSpan.FromSeconds(5)) return;
                lastLine = DateTime.UtcNow;
                Console.Error.WriteLine(Describe(p) + (p.Done < p.Pending && p.FilesPerSecond > 0 ? $", ETA {TimeSpan.FromSeconds(Math.Ceiling((p.Pending - p.Done) / p.FilesPerSecond)):c}" : ""));
            });
        }
        else
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            BatchSummary? result = null;
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    ProgressTask? task = null;
                    result = BatchPrediction.Run(recognizer, files, options, p =>
                    {
                        task ??= ctx.AddTask("predict", maxValue: Math.Max(1, p.Pending));
                        task.Value = p.Done;
                        task.Description = Describe(p);
                    });
                    task?.StopTask();
                });
            summary = result!;
        }
        Console.Error.WriteLine($"predict: {summary.Predicted} files predicted, {summary.Skipped} already in {options.OutPath}, {summary.Failed} failed" +
            (summary.Failed > 0 ? " (see the error column)" : "") +
            FormattableString.Invariant($"; {summary.Seconds:0.0} s, inference waited for decoding {100 * summary.InputWaitFraction:0.0} % of it"));
        return summary.Failed > 0 ? SomeFilesFailed : 0;
    }

    private static string Describe(BatchProgress p) =>
        FormattableString.Invariant($"predict {p.Done}/{p.Pending} files, {p.FilesPerSecond:0.0} files/s") + (p.Failed > 0 ? $", {p.Failed} failed" : "");
}
