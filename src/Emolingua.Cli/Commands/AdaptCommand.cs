using Emolingua.Corpora;
using Emolingua.Training.FewShot;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class AdaptCommand : CliCommand
{
    public override string Name => "adapt";
    public override string Usage => "--model RUN_DIR --corpus KIND=ROOT --shots K [--fold F] [--folds N] [--mode head|full] [--steps N] [--seed N] [--device cpu|cuda] --out RUN_DIR2";
    public override string Summary => "Adapt a trained model with K labelled clips per class of a corpus (outside test fold F when given); writes a model folder for predict/evaluate.";

    public override int Run(CliArgs args)
    {
        var model = args.Required("--model");
        var corpusArg = args.Required("--corpus");
        int shots = args.Int("--shots", 0, min: 1);
        if (shots == 0) throw new EmolinguaException("adapt: missing required option --shots");
        int? fold = args.IntOrNull("--fold");
        if (fold < 1) throw new EmolinguaException($"adapt: option --fold: {fold} must be at least 1 (folds are numbered from 1)");
        int folds = args.Int("--folds", Folds.DefaultK, min: 1);
        var mode = args.Option("--mode") ?? Adaptation.HeadMode;
        if (mode is not (Adaptation.HeadMode or Adaptation.FullMode)) throw new EmolinguaException($"adapt: option --mode: '{mode}' (head or full)");
        int steps = args.Int("--steps", 100, min: 1);
        int seed = args.Int("--seed", 0);
        var outDir = args.Required("--out");
        var device = DeviceOption.Parse(args.Option("--device"));
        args.Positionals();
        int eq = corpusArg.IndexOf('=');
        if (eq <= 0) throw new EmolinguaException($"adapt: --corpus '{corpusArg}': expected KIND=ROOT, e.g. manifest=/data/mine.csv");
        var corpus = Corpus.Open(corpusArg[..eq], corpusArg[(eq + 1)..]);
        Adaptation.Run(new Adaptation.Options(model, corpus, shots, fold, outDir, device, mode, folds, Folds.DefaultSeed, seed,
            new HeadOptions(Steps: steps), FullSteps: steps));
        Console.WriteLine($"adapted model: {Path.Combine(Path.GetFullPath(outDir), "model")} (use it with ./emolingua predict --model {outDir} or evaluate)");
        return 0;
    }
}
