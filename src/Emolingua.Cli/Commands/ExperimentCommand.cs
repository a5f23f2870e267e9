using System.CommandLine;
using Emolingua.Evaluation;
using Emolingua.Experiments;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class ExperimentCommand : CliCommand
{
    private readonly Argument<string> _recipe = new("RECIPE.json") { Description = "the experiment recipe" };
    private readonly Option<string> _out = CliOptions.RequiredPath("--out", "DIR", "results.json, report.md, plots/ and runs/ go here");
    private readonly Option<string?> _data = CliOptions.OptionalPath("--data", "DIR", "the folder the recipe's corpus roots are relative to");
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<bool> _resume = CliOptions.Flag("--resume", "continue a grid that stopped");

    public ExperimentCommand() : base("experiment", "Run a grid (methods x test corpora x folds x seeds); writes results.json, report.md and plots/.")
    {
        Add(_recipe);
        Add(_out);
        Add(_data);
        Add(_device);
        Add(_resume);
    }

    protected override int Run(ParseResult parsed)
    {
        var outDir = parsed.GetValue(_out)!;
        var dataDir = parsed.GetValue(_data);
        if (dataDir != null && !Directory.Exists(dataDir)) throw new EmolinguaException(dataDir, "--data folder not found");
        var recipe = ExperimentRecipe.Load(parsed.GetValue(_recipe)!);
        var options = new ExperimentRunner.Options(outDir, dataDir, parsed.GetValue(_device)!, parsed.GetValue(_resume));
        var report = ProgressBars.Training(progress => ExperimentRunner.Run(recipe, options with { Progress = progress }));
        Console.WriteLine(ReportTables.Table1Text(report));
        Console.WriteLine($"results: {Path.Combine(outDir, "results.json")}, report: {Path.Combine(outDir, "report.md")}");
        return 0;
    }
}
