using System.CommandLine;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Evaluation;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Training;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class EvaluateCommand : CliCommand
{
    private readonly Option<string> _model = CliOptions.RequiredPath(
        "--model",
        "RUN_DIR",
        "a training run or its model/ folder"
    );
    private readonly Option<string> _corpus = CliOptions.RequiredPath(
        "--corpus",
        "KIND=ROOT",
        "the corpus to evaluate on, e.g. emodb=/data/emodb"
    );
    private readonly Option<int?> _fold = CliOptions.OptionalInt(
        "--fold",
        "evaluate on this fold only (numbered from 1)",
        min: 1
    );
    private readonly Option<int> _folds = CliOptions.Int(
        "--folds",
        Folds.DefaultK,
        "how many speaker folds the corpus is dealt into",
        min: 1
    );
    private readonly Option<bool> _embeddings = CliOptions.Flag("--embeddings", "also write embeddings.npy");
    private readonly Option<string> _out = CliOptions.RequiredPath("--out", "DIR", "the output folder");
    private readonly Option<Device> _device = CliOptions.Device();

    public EvaluateCommand()
        : base(
            "evaluate",
            "Zero-shot evaluation on a corpus (or one fold): metrics JSON, confusion matrix JSON+PNG, per-gender table, predictions CSV."
        )
    {
        CliOptions.RequireCorpusSpec(_corpus, "emodb=/data/emodb");
        Add(_model);
        Add(_corpus);
        Add(_fold);
        Add(_folds);
        Add(_embeddings);
        Add(_out);
        Add(_device);
    }

    protected override int Run(ParseResult parsed)
    {
        var modelDir = ModelBundle.Locate(parsed.GetValue(_model)!);
        var corpusArg = parsed.GetValue(_corpus)!;
        var fold = parsed.GetValue(_fold);
        var folds = parsed.GetValue(_folds);
        var outDir = parsed.GetValue(_out)!;
        var eq = corpusArg.IndexOf('=');
        var corpus = Corpus.Open(corpusArg[..eq], corpusArg[(eq + 1)..]);
        if (!corpus.Labeled)
            throw new EmolinguaException(corpus.Root, $"{corpus.Kind} has no emotion labels to evaluate against");
        var utterances = fold is { } k ? Folds.TestFold(corpus, k, folds, Folds.DefaultSeed) : Corpus.Load(corpus);
        if (!utterances.Any(u => u.Label != null))
        {
            throw new EmolinguaException(
                corpus.Root,
                $"no utterances labelled angry, happy, neutral or sad to evaluate{(fold is { } f0 ? $" in fold {f0}" : "")}"
            );
        }

        var info = ModelBundle.ReadInfo(modelDir);
        using var engine = TorchEmotionEngine.Load(modelDir, parsed.GetValue(_device)!);
        var predictions = ZeroShotEvaluation.Run(
            engine,
            utterances,
            new WaveformStore(WhisperAudio.SampleRate),
            parsed.GetValue(_embeddings)
        );
        var result = EvaluationResult.Of(
            predictions,
            info.Method,
            corpus.Kind,
            fold ?? 0,
            0,
            runDir: Path.GetFullPath(modelDir),
            speakersAndBootstrap: true
        );
        EvaluationWriter.SaveReport(
            outDir,
            result,
            new EvaluationSource(Path.GetFullPath(modelDir), corpus.Root, fold, folds, Folds.DefaultSeed)
        );
        Console.WriteLine(Json.Text(result.Summary(), indented: false));
        return 0;
    }
}
