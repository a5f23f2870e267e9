using Emolingua.Experiments;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class ExperimentCommand : CliCommand
{
    public override string Name => "experiment";
    public override string Usage =>
        "RECIPE.json --out DIR [--data DIR] [--device cpu|cuda] [--resume] [--slurm [--wait] [--max-parallel K] [--partition P] " +
        "[--time D-HH:MM:SS] [--cpus-per-task N] [--mem SIZE] [--gpus-per-task N] [--sbatch-arg=ARG]...] | status DIR [--json] | " +
        "plan RECIPE.json --out DIR [--data DIR] [--device cpu|cuda] | run-cell DIR --cell N | report DIR";
    public override string Summary => "Run a grid (methods x test corpora x folds x seeds) here or as a Slurm job array; writes results.json, report.md and plots/.";

    public override int Run(CliArgs args)
    {
        var first = args.Subcommand();
        switch (first)
        {
            case "status": return Status(args);
            case "run-cell": return RunCell(args);
            case "report": return Report(args);
        }
        bool planOnly = first == "plan";
        if (planOnly) first = null;
        var outDir = args.Required("--out");
        var dataDir = args.Option("--data");
        var deviceName = args.Option("--device") ?? "cpu";
        bool resume = args.Flag("--resume");
        bool slurm = args.Flag("--slurm");
        var slurmOptions = new SlurmGrid.Options(
            Wait: args.Flag("--wait"), MaxParallel: Positive(args, "--max-parallel"), Partition: args.Option("--partition"),
            Time: args.Option("--time"), CpusPerTask: Positive(args, "--cpus-per-task"), Mem: args.Option("--mem"),
            GpusPerTask: Positive(args, "--gpus-per-task"), SbatchArgs: args.Options("--sbatch-arg"));
        var positionals = args.Positionals();
        if (first != null) positionals.Insert(0, first);
        if (positionals.Count != 1) throw new EmolinguaException("experiment: give exactly one RECIPE.json (or status DIR, plan RECIPE.json, run-cell DIR --cell N, report DIR)");
        var o = slurmOptions;
        if (!slurm && (o.Wait || o.MaxParallel != null || o.Partition != null || o.Time != null || o.CpusPerTask != null || o.Mem != null
                       || o.GpusPerTask != null || o.SbatchArgs!.Count > 0))
            throw new EmolinguaException("experiment: --wait, --max-parallel, --partition, --time, --cpus-per-task, --mem, --gpus-per-task and --sbatch-arg need --slurm");
        if (dataDir != null && !Directory.Exists(dataDir)) throw new EmolinguaException(dataDir, "--data folder not found");
        var recipe = ExperimentRecipe.Load(positionals[0]);

        if (planOnly)
        {
            if (slurm) throw new EmolinguaException("experiment plan: --slurm submits a grid; plan only writes its cells.json");
            if (deviceName is not ("cpu" or "cuda")) throw new EmolinguaException($"--device '{deviceName}': cpu or cuda");
            var plan = ExperimentPlan.Create(recipe, outDir, dataDir, deviceName);
            Directory.CreateDirectory(plan.OutDir);
            plan.Save();
            Console.WriteLine($"{plan.PathIn}: {plan.Cells.Count} cells (0..{plan.Cells.Count - 1}); run each with ./emolingua experiment run-cell {outDir} --cell N, then ./emolingua experiment report {outDir}");
            return 0;
        }
        if (slurm)
        {
            if (deviceName is not ("cpu" or "cuda")) throw new EmolinguaException($"--device '{deviceName}': cpu or cuda");
            var submitted = SlurmGrid.Submit(recipe, outDir, dataDir, deviceName, resume, slurmOptions, Launcher(), Console.WriteLine, Console.Error.WriteLine);
            if (submitted != null) PrintResults(submitted, outDir);
            return 0;
        }
        var report = ExperimentRunner.Run(recipe, new ExperimentRunner.Options(outDir, dataDir, DeviceOption.Parse(deviceName), resume));
        PrintResults(report, outDir);
        return 0;
    }

    private static int Status(CliArgs args)
    {
        bool json = args.Flag("--json");
        var dir = Single(args, "status DIR");
        var status = ExperimentStatus.Read(dir, new SlurmCommands());
        Console.Write(json ? status.ToJson() + "\n" : status.RenderText());
        return 0;
    }

    private static int RunCell(CliArgs args)
    {
        int cell = args.IntOrNull("--cell") ?? throw new EmolinguaException("experiment run-cell: missing required option --cell");
        var dir = Single(args, "run-cell DIR --cell N");
        return CellTask.Run(dir, cell, Console.Error.WriteLine);
    }

    private static int Report(CliArgs args)
    {
        var dir = Single(args, "report DIR");
        PrintResults(ExperimentReporter.Write(dir, Console.Error.WriteLine), dir);
        return 0;
    }

    private static void PrintResults(Evaluation.ExperimentReport report, string outDir)
    {
        Console.WriteLine(report.RenderTable1Text());
        Console.WriteLine($"results: {Path.Combine(outDir, "results.json")}, report: {Path.Combine(outDir, "report.md")}");
    }

    private static string Single(CliArgs args, string usage)
    {
        var positionals = args.Positionals();
        if (positionals.Count != 1) throw new EmolinguaException($"experiment {usage}: give exactly one experiment folder");
        return positionals[0];
    }

    private static int? Positive(CliArgs args, string name)
    {
        var value = args.IntOrNull(name);
        if (value is < 1) throw new EmolinguaException($"experiment: option {name}: {value} must be at least 1");
        return value;
    }

    /// <summary>How a compute node starts this CLI: the dotnet host running this process, and Emolingua.Cli.dll.</summary>
    private static List<string> Launcher()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
            : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
            : SlurmCommands.Find("dotnet") ?? "dotnet";
        return [host, typeof(ExperimentCommand).Assembly.Location];
    }
}
