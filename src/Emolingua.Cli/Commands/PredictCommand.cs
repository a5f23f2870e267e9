using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Emolingua.Inference;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class PredictCommand : CliCommand
{
    private readonly Option<string> _model = CliOptions.RequiredPath("--model", "RUN_DIR|model.onnx", "a training run, its model/ folder, or an exported .onnx file");
    private readonly Option<EngineKind> _engine = new("--engine")
    {
        HelpName = "torch|onnx",
        Description = "the runtime (default: torch for a folder, onnx for an .onnx file; onnx on a folder exports the model in memory)",
        DefaultValueFactory = _ => EngineKind.Auto,
        CustomParser = r => r.Tokens.FirstOrDefault()?.Value switch
        {
            "torch" => EngineKind.Torch,
            "onnx" => EngineKind.Onnx,
            var name => Refuse(r, $"option --engine: '{name}' is not torch or onnx"),
        },
    };
    private readonly Option<bool> _json = CliOptions.Flag("--json", "one JSON object per file instead of a tab-separated line");
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Argument<string[]> _audio = new("AUDIO") { Arity = ArgumentArity.OneOrMore, Description = "audio files" };

    public PredictCommand() : base("predict", "Predict the emotion of audio files (long files: overlapping windows, probabilities averaged).")
    {
        Add(_model);
        Add(_engine);
        Add(_json);
        Add(_device);
        Add(_audio);
    }

    protected override int Run(ParseResult parsed)
    {
        bool json = parsed.GetValue(_json);
        using var recognizer = EmotionRecognizer.Load(parsed.GetValue(_model)!, parsed.GetValue(_engine), parsed.GetValue(_device)!);
        foreach (var file in parsed.GetValue(_audio)!)
        {
            var p = recognizer.Predict(file);
            if (json)
            {
                var probabilities = new JsonObject();
                foreach (var l in recognizer.Labels) probabilities[l] = Math.Round(p.Probabilities[l], 6);
                Console.WriteLine(Json.Text(new JsonObject { ["path"] = file, ["label"] = p.Label, ["probabilities"] = probabilities }, indented: false));
            }
            else
                Console.WriteLine($"{file}\t{p.Label}\t" + string.Join("  ", recognizer.Labels.Select(l => $"{l} {p.Probabilities[l].ToString("0.000", CultureInfo.InvariantCulture)}")));
        }
        return 0;
    }

    private static EngineKind Refuse(System.CommandLine.Parsing.ArgumentResult r, string problem)
    {
        r.AddError(problem);
        return EngineKind.Auto;
    }
}
