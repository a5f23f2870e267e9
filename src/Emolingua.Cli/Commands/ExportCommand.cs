using System.CommandLine;
using Emolingua.Models.Onnx;

namespace Emolingua.Cli.Commands;

public sealed class ExportCommand : CliCommand
{
    private readonly Option<string> _model = CliOptions.RequiredPath("--model", "RUN_DIR", "a training run or its model/ folder");
    private readonly Option<string> _out = CliOptions.RequiredPath("--out", "model.onnx", "the ONNX file to write (atomically)");
    private readonly Option<OnnxQuantization> _quantize = CliOptions.Quantize();

    public ExportCommand() : base("export", "Write a trained model as one ONNX graph: 16 kHz waveform in (log-mel inside), probabilities and embedding out.")
    {
        Add(_model);
        Add(_out);
        Add(_quantize);
    }

    protected override int Run(ParseResult parsed)
    {
        var outPath = parsed.GetValue(_out)!;
        var quantization = parsed.GetValue(_quantize);
        OnnxExport.Export(parsed.GetValue(_model)!, outPath, quantization);
        Console.Error.WriteLine($"export: wrote {outPath} ({new FileInfo(outPath).Length / 1048576.0:0.0} MB{(quantization == OnnxQuantization.Int8 ? ", int8" : "")})");
        return 0;
    }
}
