using System.CommandLine;
using System.Globalization;
using Emolingua.Corpora;
using Emolingua.Inference;
using Emolingua.Models.Onnx;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class ExportCommand : CliCommand
{
    private readonly Option<string> _model = CliOptions.RequiredPath(
        "--model",
        "RUN_DIR",
        "a training run or its model/ folder"
    );
    private readonly Option<string> _out = CliOptions.RequiredPath(
        "--out",
        "model.onnx",
        "the ONNX file to write (atomically)"
    );
    private readonly Option<OnnxQuantization> _quantize = CliOptions.Quantize();
    private readonly Option<string?> _check = new("--check")
    {
        HelpName = "KIND=ROOT",
        Description =
            "after writing, run the exported graph and the float32 model on this held-out corpus (e.g. emodb=/data/emodb) and report how often their labels agree, and both macro F1",
    };

    public ExportCommand()
        : base(
            "export",
            "Write a trained model as one ONNX graph: 16 kHz waveform in (log-mel inside), probabilities and embedding out."
        )
    {
        Add(_model);
        Add(_out);
        Add(_quantize);
        Add(_check);
        CliOptions.RequireCorpusSpec(_check, "emodb=/data/emodb");
    }

    protected override int Run(ParseResult parsed)
    {
        var outPath = parsed.GetValue(_out)!;
        var model = parsed.GetValue(_model)!;
        var quantization = parsed.GetValue(_quantize);
        // The held-out corpus is read before anything is written: a wrong KIND or ROOT leaves no file behind.
        List<Utterance>? heldOut = null;
        var checkArg = parsed.GetValue(_check);
        if (checkArg != null)
        {
            var eq = checkArg.IndexOf('=');
            var corpus = Corpus.Open(checkArg[..eq], checkArg[(eq + 1)..]);
            heldOut = Corpus.Load(corpus);
            if (heldOut.Count == 0)
                throw new EmolinguaException(corpus.Root, "--check: no utterances to compare on");
        }
        OnnxExport.Export(model, outPath, quantization);
        var kind = quantization == OnnxQuantization.Int8 ? "int8" : "onnx fp32";
        Console.Error.WriteLine(
            $"export: wrote {outPath} ({new FileInfo(outPath).Length / 1048576.0:0.0} MB{(quantization == OnnxQuantization.Int8 ? ", int8" : "")})"
        );
        if (heldOut == null)
            return 0;

        using var reference = EmotionRecognizer.Load(model, EngineKind.Torch);
        using var exported = EmotionRecognizer.Load(outPath, EngineKind.Onnx);
        var report = ExportCheck.Compare(reference, exported, heldOut, progress: (done, total) =>
        {
            if (done == total || done % 160 == 0)
                Console.Error.WriteLine($"export --check: {done}/{total} clips");
        });
        var c = CultureInfo.InvariantCulture;
        var f1 =
            report.MacroF1Reference is { } f1Reference && report.MacroF1Candidate is { } f1Candidate
                ? string.Format(
                    c,
                    "; macro F1 {0:0.0000} ({1}) vs {2:0.0000} (fp32) on {3} labelled clips",
                    f1Candidate,
                    kind,
                    f1Reference,
                    report.Labelled
                )
                : "; the corpus has no emotion labels (no F1)";
        Console.WriteLine(
            string.Format(
                c,
                "check {0}: {1} labels agree with fp32 on {2}/{3} clips ({4:0.0} %){5}",
                checkArg,
                kind,
                report.Agreeing,
                report.Clips,
                100 * report.Agreement,
                f1
            )
        );
        return 0;
    }
}
