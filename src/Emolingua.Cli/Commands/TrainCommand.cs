using Emolingua.Training;
using Emolingua.Util;
using TorchSharp;

namespace Emolingua.Cli.Commands;

public sealed class TrainCommand : CliCommand
{
    public override string Name => "train";
    public override string Usage => "RECIPE.json --out RUN_DIR [--data DIR] [--seed N] [--device cpu|cuda] [--precision fp32|bf16] [--resume] [--set key=value]...";
    public override string Summary => "Train a Baseline, speaker-contrastive or BYOL model from a recipe (resumable).";

    public override int Run(CliArgs args)
    {
        var outDir = args.Required("--out");
        var dataDir = args.Option("--data");
        var seed = args.IntOrNull("--seed");
        var device = DeviceOption.Parse(args.Option("--device"));
        bool resume = args.Flag("--resume");
        var precision = args.Option("--precision");
        var sets = args.Options("--set");
        var positionals = args.Positionals();
        if (positionals.Count != 1) throw new EmolinguaException("train: give exactly one RECIPE.json");
        if (seed is { } s) sets.Add($"seed={s}");
        if (precision != null) sets.Add($"training.precision={Precisions.Parse(precision, "--precision").Name()}");
        if (dataDir != null && !Directory.Exists(dataDir)) throw new EmolinguaException(dataDir, "--data folder not found");
        var recipe = Recipe.Load(positionals[0], sets);
        var summary = TrainRun.Execute(recipe, new TrainRun.Options(outDir, dataDir, device, resume));
        Console.WriteLine(summary.ToJsonString());
        return 0;
    }
}

public static class DeviceOption
{
    public static torch.Device Parse(string? name)
    {
        switch (name ?? "cpu")
        {
            case "cpu": return torch.CPU;
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new EmolinguaException("--device cuda: CUDA is not available (this build uses the CPU libtorch; rebuild with -p:EmolinguaCuda=true on a CUDA machine)");
                return torch.CUDA;
            default: throw new EmolinguaException($"--device '{name}': cpu or cuda");
        }
    }
}
