using Emolingua.Experiments;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class ExperimentCommand : CliCommand
{
    public override string Name => "experiment";
    public override string Usage => "RECIPE.json --out DIR [--data DIR] [--device cpu|cuda] [--resume]";
    public override string Summary => "Run a grid (methods x test corpora x folds x seeds); writes results.json, report.md and plots/.";

    public override int Run(CliArgs args)
    {
        var outDir = args.Required("--out");
        var dataDir = args.Option("--data");
        var device = DeviceOption.Parse(args.Option("--device"));
        bool resume = args.Flag("--resume");
        var positionals = args.Positionals();
        if (positionals.Count != 1) throw new EmolinguaException("experiment: give exactly one RECIPE.json");
        if (dataDir != null && !Directory.Exists(dataDir)) throw new EmolinguaException(dataDir, "--data folder not found");
        var report = ExperimentRunner.Run(ExperimentRecipe.Load(positionals[0]), new ExperimentRunner.Options(outDir, dataDir, device, resume));
        Console.WriteLine(report.RenderTable1Text());
        Console.WriteLine($"results: {Path.Combine(outDir, "results.json")}, report: {Path.Combine(outDir, "report.md")}");
        return 0;
    }
}
