using System.CommandLine;
using Emolingua.Evaluation;
using Emolingua.Experiments;
using Emolingua.Util;
using TorchSharp;

namespace Emolingua.Cli.Commands;

/// <summary>
/// <c>experiment RECIPE.json</c> runs a grid here, or with <c>--slurm</c> as a Slurm job array (Experiments.SlurmGrid);
/// <c>status</c>, <c>plan</c>, <c>run-cell</c> and <c>report</c> are the grid's steps one at a time.
/// </summary>
public sealed class ExperimentCommand : CliCommand
{
    private readonly Argument<string> _recipe = new("RECIPE.json") { Description = "the experiment recipe" };
    private readonly Option<string> _out = CliOptions.RequiredPath(
        "--out",
        "DIR",
        "cells.json, runs/, results.json, report.md and plots/ go here"
    );
    private readonly Option<string?> _data = CliOptions.OptionalPath(
        "--data",
        "DIR",
        "the folder the recipe's corpus roots are relative to"
    );
    private readonly Option<string> _device = DeviceName();
    private readonly Option<bool> _resume = CliOptions.Flag(
        "--resume",
        "continue a grid that stopped (with --slurm: submit its unfinished cells)"
    );
    private readonly Option<bool> _slurm = CliOptions.Flag(
        "--slurm",
        "submit the grid to Slurm: one array task per training run, then a report job"
    );
    private readonly SlurmOptions _slurmOptions = new(
        "task",
        "array tasks",
        wait: "--slurm: block until the report job has ended; fail naming failed cells",
        cpusDefault: "the recipes' training.threads, else 1",
        memExample: "16G",
        maxRequeues: "--slurm: a cell whose task was requeued more often (time limit, preemption, node failure) "
            + "fails instead of running again"
    );

    public ExperimentCommand()
        : base(
            "experiment",
            "Run a grid (methods x test corpora x folds x seeds) here or as a Slurm job array; writes results.json, report.md and plots/."
        )
    {
        Add(_recipe);
        Option[] options = [_out, _data, _device, _resume, _slurm, .. _slurmOptions.All];
        foreach (var option in options)
            Add(option);
        Validators.Add(r => _slurmOptions.RequireSlurm(r, _slurm));
        Add(
            StatusCommand(
                "DIR",
                "the experiment folder",
                "Cells total / done / running / pending / failed, with Slurm job and task ids, logs and errors (read from DIR).",
                dir => ExperimentStatus.Read(dir, new SlurmCommands())
            )
        );
        Add(PlanCommand());
        Add(RunCellCommand());
        Add(ReportCommand());
    }

    protected override int Run(ParseResult parsed)
    {
        var outDir = parsed.GetValue(_out)!;
        var dataDir = DataDir(parsed, _data);
        var recipe = ExperimentRecipe.Load(parsed.GetValue(_recipe)!);
        var device = parsed.GetValue(_device)!;
        var resume = parsed.GetValue(_resume);
        ExperimentReport? report;
        if (parsed.GetValue(_slurm))
        {
            var options = _slurmOptions.Read(parsed);
            // The device is checked where the cells run (a login node often has no GPU).
            var plan = ExperimentPlan.Create(recipe, outDir, dataDir, device);
            report = SlurmGrid.Submit(
                plan,
                recipe,
                resume,
                options,
                Launcher(),
                Console.WriteLine,
                Console.Error.WriteLine
            );
        }
        else
        {
            var options = new ExperimentRunner.Options(outDir, dataDir, LocalDevice(device), resume);
            report = ProgressBars.Training(progress =>
                ExperimentRunner.Run(recipe, options with { Progress = progress })
            );
        }
        if (report != null)
            PrintResults(report, outDir);
        return 0;
    }

    private static Command PlanCommand()
    {
        var recipe = new Argument<string>("RECIPE.json") { Description = "the experiment recipe" };
        var outDir = CliOptions.RequiredPath("--out", "DIR", "cells.json is written here");
        var data = CliOptions.OptionalPath("--data", "DIR", "the folder the recipe's corpus roots are relative to");
        var device = DeviceName();
        var command = new Command(
            "plan",
            "Write the grid's cell list (DIR/cells.json) for run-cell and report, e.g. from another scheduler."
        )
        {
            recipe,
            outDir,
            data,
            device,
        };
        command.SetAction(parsed =>
        {
            var plan = ExperimentPlan.Create(
                ExperimentRecipe.Load(parsed.GetValue(recipe)!),
                parsed.GetValue(outDir)!,
                DataDir(parsed, data),
                parsed.GetValue(device)!
            );
            Directory.CreateDirectory(plan.OutDir);
            plan.Save();
            Console.WriteLine(
                $"{plan.PathIn}: {plan.Cells.Count} cells (0..{plan.Cells.Count - 1}); run each with ./emolingua experiment run-cell {parsed.GetValue(outDir)} --cell N, then ./emolingua experiment report {parsed.GetValue(outDir)}"
            );
            return 0;
        });
        return command;
    }

    private static Command RunCellCommand()
    {
        var dir = new Argument<string>("DIR") { Description = "the experiment folder (holding cells.json)" };
        var cell = new Option<int>("--cell")
        {
            Required = true,
            HelpName = "N",
            Description = "the cell to train and evaluate (a Slurm array task's index)",
        };
        var maxRequeues = CliOptions.OptionalInt(
            "--max-requeues",
            "under Slurm: fail instead of running when the same job has started the cell more than N + 1 times",
            min: 0
        );
        var command = new Command(
            "run-cell",
            "Train and evaluate one cell of a planned grid (what each Slurm array task runs); checkpoints and stops on USR1/TERM."
        )
        {
            dir,
            cell,
            maxRequeues,
        };
        command.SetAction(parsed =>
            CellTask.Run(
                parsed.GetValue(dir)!,
                parsed.GetValue(cell),
                Console.Error.WriteLine,
                parsed.GetValue(maxRequeues)
            )
        );
        return command;
    }

    private static Command ReportCommand()
    {
        var dir = new Argument<string>("DIR") { Description = "the experiment folder" };
        var command = new Command(
            "report",
            "Write results.json, report.md and plots/ from every cell of DIR (unfinished cells count as failed)."
        )
        {
            dir,
        };
        command.SetAction(parsed =>
        {
            PrintResults(
                ExperimentReporter.Write(parsed.GetValue(dir)!, Console.Error.WriteLine),
                parsed.GetValue(dir)!
            );
            return 0;
        });
        return command;
    }

    private static Option<string> DeviceName()
    {
        var option = new Option<string>("--device")
        {
            HelpName = "cpu|cuda",
            Description = "where the cells train",
            DefaultValueFactory = _ => "cpu",
        };
        option.AcceptOnlyFromAmong("cpu", "cuda");
        return option;
    }

    private static torch.Device LocalDevice(string name) =>
        name == "cpu" ? torch.CPU
        : torch.cuda.is_available() ? torch.CUDA
        : throw new EmolinguaException(
            "--device cuda: CUDA is not available (this build uses the CPU libtorch; rebuild with -p:EmolinguaCuda=true on a CUDA machine)"
        );

    private static string? DataDir(ParseResult parsed, Option<string?> option)
    {
        var dataDir = parsed.GetValue(option);
        if (dataDir != null && !Directory.Exists(dataDir))
            throw new EmolinguaException(dataDir, "--data folder not found");
        return dataDir;
    }

    private static void PrintResults(ExperimentReport report, string outDir)
    {
        Console.WriteLine(ReportTables.Table1Text(report));
        if (report.FewShot is { Count: > 0 } fewShot)
            Console.WriteLine(FewShotCurves.RenderText(fewShot, report.Corpora()));
        Console.WriteLine(
            $"results: {Path.Combine(outDir, "results.json")}, report: {Path.Combine(outDir, "report.md")}"
        );
    }

    /// <summary>How a compute node starts this CLI: the dotnet host running this process, and
    /// Emolingua.Cli.dll.</summary>
    internal static List<string> Launcher()
    {
        var host =
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
            : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
            : SlurmCommands.Find("dotnet") ?? "dotnet";
        return [host, typeof(ExperimentCommand).Assembly.Location];
    }
}
