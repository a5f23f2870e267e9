using System.Globalization;
using System.Text.Json.Nodes;
using Emolingua.Inference;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class PredictCommand : CliCommand
{
    public override string Name => "predict";
    public override string Usage => "--model RUN_DIR|model.onnx [--engine torch|onnx] [--json] [--device cpu|cuda] AUDIO...";
    public override string Summary => "Predict the emotion of audio files (long files: overlapping windows, probabilities averaged).";

    public override int Run(CliArgs args)
    {
        var modelDir = args.Required("--model");
        var engine = args.Option("--engine") switch
        {
            null => EngineKind.Auto,
            "torch" => EngineKind.Torch,
            "onnx" => EngineKind.Onnx,
            var e => throw new EmolinguaException($"predict: option --engine: '{e}' is not torch or onnx"),
        };
        bool json = args.Flag("--json");
        var device = DeviceOption.Parse(args.Option("--device"));
        var files = args.Positionals();
        if (files.Count == 0) throw new EmolinguaException("predict: give at least one AUDIO file");
        using var recognizer = EmotionRecognizer.Load(modelDir, engine, device);
        foreach (var file in files)
        {
            var p = recognizer.Predict(file);
            if (json)
            {
                var probabilities = new JsonObject();
                foreach (var l in recognizer.Labels) probabilities[l] = Math.Round(p.Probabilities[l], 6);
                Console.WriteLine(new JsonObject { ["path"] = file, ["label"] = p.Label, ["probabilities"] = probabilities }.ToJsonString());
            }
            else
                Console.WriteLine($"{file}\t{p.Label}\t" + string.Join("  ", recognizer.Labels.Select(l => $"{l} {p.Probabilities[l].ToString("0.000", CultureInfo.InvariantCulture)}")));
        }
        return 0;
    }
}
