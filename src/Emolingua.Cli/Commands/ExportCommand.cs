using Emolingua.Models.Onnx;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class ExportCommand : CliCommand
{
    public override string Name => "export";
    public override string Usage => "--model RUN_DIR --out model.onnx [--quantize int8]";
    public override string Summary => "Write a trained model as one ONNX graph: 16 kHz waveform in (log-mel inside), probabilities and embedding out.";

    public override int Run(CliArgs args)
    {
        var model = args.Required("--model");
        var outPath = args.Required("--out");
        var quantization = QuantizeOption.Parse(Name, args.Option("--quantize"));
        if (args.Positionals() is { Count: > 0 } extra) throw new EmolinguaException($"export: unexpected argument '{extra[0]}'");
        OnnxExport.Export(model, outPath, quantization);
        Console.Error.WriteLine($"export: wrote {outPath} ({new FileInfo(outPath).Length / 1048576.0:0.0} MB{(quantization == OnnxQuantization.Int8 ? ", int8" : "")})");
        return 0;
    }
}

/// <summary>--quantize: absent (float32) or int8.</summary>
public static class QuantizeOption
{
    public static OnnxQuantization Parse(string command, string? value) => value switch
    {
        null => OnnxQuantization.None,
        "int8" => OnnxQuantization.Int8,
        _ => throw new EmolinguaException($"{command}: option --quantize: '{value}' is not supported (int8)"),
    };
}
