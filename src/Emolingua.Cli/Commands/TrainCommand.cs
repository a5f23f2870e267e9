using System.CommandLine;
using Emolingua.Training;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class TrainCommand : CliCommand
{
    private readonly Argument<string> _recipe = new("RECIPE.json") { Description = "the training recipe" };
    private readonly Option<string> _out = CliOptions.RequiredPath(
        "--out",
        "RUN_DIR",
        "the run folder (model/, metrics.jsonl, summary.json, stages/)"
    );
    private readonly Option<string?> _data = CliOptions.OptionalPath(
        "--data",
        "DIR",
        "the folder the recipe's corpus roots are relative to"
    );
    private readonly Option<int?> _seed = CliOptions.OptionalInt("--seed", "overrides the recipe's seed");
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<Emolingua.Util.Precision?> _precision = CliOptions.OptionalPrecision(
        "overrides training.precision (bf16 only on CPUs with native bfloat16)"
    );
    private readonly Option<bool> _resume = CliOptions.Flag(
        "--resume",
        "continue from the run folder's last checkpoint"
    );
    private readonly Option<RecipeOverride[]> _set = new("--set")
    {
        HelpName = "key=value",
        Description = "override a recipe value (dotted key, JSON value); repeatable",
        CustomParser = r =>
        {
            try
            {
                return r.Tokens.Select(t => RecipeOverride.Parse(t.Value)).ToArray();
            }
            catch (EmolinguaException e)
            {
                r.AddError("option " + e.Message);
                return [];
            }
        },
    };

    public TrainCommand()
        : base("train", "Train a Baseline, speaker-contrastive or BYOL model from a recipe (resumable).")
    {
        Add(_recipe);
        Add(_out);
        Add(_data);
        Add(_seed);
        Add(_device);
        Add(_precision);
        Add(_resume);
        Add(_set);
    }

    protected override int Run(ParseResult parsed)
    {
        var dataDir = parsed.GetValue(_data);
        var sets = (parsed.GetValue(_set) ?? []).ToList();
        if (parsed.GetValue(_seed) is { } seed)
            sets.Add(RecipeOverride.Of("seed", seed));
        if (dataDir != null && !Directory.Exists(dataDir))
            throw new EmolinguaException(dataDir, "--data folder not found");
        var recipe = Recipe.Load(parsed.GetValue(_recipe)!, sets);
        if (parsed.GetValue(_precision) is { } precision)
            recipe.Training.Precision = precision; // typed: written into recipe.json as its name
        var options = new TrainRun.Options(
            parsed.GetValue(_out)!,
            dataDir,
            parsed.GetValue(_device)!,
            parsed.GetValue(_resume)
        );
        var summary = ProgressBars.Training(progress => TrainRun.Execute(recipe, options with { Progress = progress }));
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(summary, Json.Compact));
        return 0;
    }
}
