using System.CommandLine;
using System.Diagnostics;
using Emolingua.Evaluation;
using Emolingua.Experiments;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

/// <summary>
/// The README's first command: stand-in corpora (unless --data is given), then the demo grid (Baseline, CL and BYOL
/// with a tiny Whisper-shaped encoder), then Table 1. Re-running continues where a previous demo stopped.
/// </summary>
public sealed class DemoCommand : CliCommand
{
    private readonly Option<string?> _data = CliOptions.OptionalPath(
        "--data",
        "DIR",
        "corpora to use instead of the stand-ins"
    );
    private readonly Option<string> _out = new("--out")
    {
        HelpName = "DIR",
        Description = "the output folder",
        DefaultValueFactory = _ => "demo-out",
    };
    private readonly Option<Device> _device = CliOptions.Device();

    public DemoCommand()
        : base(
            "demo",
            "Synthesise stand-in corpora, train Baseline, CL and BYOL, evaluate zero-shot and print Table 1 (~15 min on 2 cores)."
        )
    {
        Add(_data);
        Add(_out);
        Add(_device);
    }

    protected override int Run(ParseResult parsed)
    {
        var outDir = Path.GetFullPath(parsed.GetValue(_out)!);
        var dataDir = parsed.GetValue(_data);
        var watch = Stopwatch.StartNew();
        if (dataDir == null)
        {
            dataDir = Path.Combine(outDir, "data");
            if (!File.Exists(Path.Combine(dataDir, "README.txt")))
            {
                Console.Error.WriteLine($"demo: writing stand-in corpora (espeak-ng) into {dataDir}");
                SynthCommand.Generate(dataDir, scale: 1.0, seed: 1, jobs: 2);
            }
            else
            {
                Console.Error.WriteLine($"demo: using the stand-in corpora already in {dataDir}");
            }
        }
        else if (!Directory.Exists(dataDir))
        {
            throw new EmolinguaException(dataDir, "--data folder not found");
        }

        var recipe = Path.Combine(AppContext.BaseDirectory, "recipes", "demo", "experiment.json");
        Console.Error.WriteLine($"demo: running {recipe} into {outDir}");
        var options = new ExperimentRunner.Options(outDir, dataDir, parsed.GetValue(_device)!, Resume: true);
        var report = ProgressBars.Training(progress =>
            ExperimentRunner.Run(ExperimentRecipe.Load(recipe), options with { Progress = progress })
        );
        Console.WriteLine();
        Console.WriteLine("Table 1 (demo: stand-in corpora, tiny encoder; mean (std) over folds x seeds)");
        Console.WriteLine(ReportTables.Table1Text(report));
        if (report.FewShot is { Count: > 0 } fewShot)
        {
            Console.WriteLine(
                $"Few-shot adaptation ({string.Join(", ", fewShot.Select(f => f.Mode.Name()).Distinct())} mode; k labelled clips per class from the target corpus's training folds)"
            );
            Console.WriteLine(FewShotCurves.RenderText(fewShot, report.Corpora()));
        }
        Console.WriteLine(
            $"report: {Path.Combine(outDir, "report.md")}   results: {Path.Combine(outDir, "results.json")}   plots: {Path.Combine(outDir, "plots")}"
        );
        Console.WriteLine(
            $"trained models: {Path.Combine(outDir, "runs")} (try ./emolingua predict --model {Path.Combine(outDir, "runs", "baseline", "fold1-seed0")} AUDIO.wav)"
        );
        Console.WriteLine($"demo wall time: {watch.Elapsed.TotalMinutes:0.0} min");
        return 0;
    }
}
