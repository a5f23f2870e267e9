using System.CommandLine;
using Emolingua.Corpora;
using Emolingua.Training.FewShot;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class AdaptCommand : CliCommand
{
    private readonly Option<string> _model = CliOptions.RequiredPath(
        "--model",
        "RUN_DIR",
        "a training run or its model/ folder (--mode full needs the run folder)"
    );
    private readonly Option<string> _corpus = CliOptions.RequiredPath(
        "--corpus",
        "KIND=ROOT",
        "your labelled clips, any corpus kind, e.g. manifest=/data/mine.csv"
    );
    private readonly Option<int> _shots = new("--shots")
    {
        Required = true,
        HelpName = "K",
        Description = "labelled clips per class",
        CustomParser = r =>
            r.Tokens.Count == 0 ? 0 // the parser reports the missing value
            : int.TryParse(r.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out var k) && k >= 1
                ? k
            : Refuse(r, $"option --shots: '{r.Tokens[0].Value}' must be a whole number of at least 1"),
    };
    private readonly Option<int?> _fold = CliOptions.OptionalInt(
        "--fold",
        "draw only from the folds other than this one (to evaluate on it afterwards)",
        min: 1
    );
    private readonly Option<int> _folds = CliOptions.Int(
        "--folds",
        Folds.DefaultK,
        "how many speaker folds the corpus is dealt into",
        min: 1
    );
    private readonly Option<string> _mode = new("--mode")
    {
        HelpName = "head|full",
        Description =
            "head: retrain the head on frozen embeddings (default); full: fine-tune the model with the run's recipe",
        DefaultValueFactory = _ => AdaptationMode.Head.Name(),
    };
    private readonly Option<int> _steps = CliOptions.Int(
        "--steps",
        100,
        "AdamW steps (head: full batch; full: training steps)",
        min: 1
    );
    private readonly Option<int> _seed = CliOptions.Int("--seed", 0, "seeds the draw of the clips and the adaptation");
    private readonly Option<string> _out = CliOptions.RequiredPath(
        "--out",
        "RUN_DIR2",
        "the new run folder: model/ and adaptation.json"
    );
    private readonly Option<Device> _device = CliOptions.Device();

    public AdaptCommand()
        : base(
            "adapt",
            "Adapt a trained model with K labelled clips per class of a corpus (outside test fold F when given); writes a model folder for predict and evaluate."
        )
    {
        CliOptions.RequireCorpusSpec(_corpus, "manifest=/data/mine.csv");
        _mode.AcceptOnlyFromAmong([.. Vocabulary<AdaptationMode>.Names]);
        Add(_model);
        Add(_corpus);
        Add(_shots);
        Add(_fold);
        Add(_folds);
        Add(_mode);
        Add(_steps);
        Add(_seed);
        Add(_out);
        Add(_device);
    }

    private static int Refuse(System.CommandLine.Parsing.ArgumentResult r, string message)
    {
        r.AddError(message);
        return 0;
    }

    protected override int Run(ParseResult parsed)
    {
        var corpusArg = parsed.GetValue(_corpus)!;
        var eq = corpusArg.IndexOf('=');
        var corpus = Corpus.Open(corpusArg[..eq], corpusArg[(eq + 1)..]);
        var outDir = parsed.GetValue(_out)!;
        var steps = parsed.GetValue(_steps);
        Adaptation.Run(
            new Adaptation.Options(
                parsed.GetValue(_model)!,
                corpus,
                parsed.GetValue(_shots),
                parsed.GetValue(_fold),
                outDir,
                parsed.GetValue(_device)!,
                Vocabulary<AdaptationMode>.Parse(parsed.GetValue(_mode), "--mode"),
                parsed.GetValue(_folds),
                Folds.DefaultSeed,
                parsed.GetValue(_seed),
                new HeadOptions(Steps: steps),
                FullSteps: steps
            )
        );
        Console.WriteLine(
            $"adapted model: {Path.Combine(Path.GetFullPath(outDir), "model")} (use it with ./emolingua predict --model {outDir} or evaluate)"
        );
        return 0;
    }
}
