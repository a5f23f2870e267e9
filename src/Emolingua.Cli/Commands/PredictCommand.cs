using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Emolingua.Inference;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class PredictCommand : CliCommand
{
    private readonly Option<string> _model = CliOptions.RequiredPath("--model", "RUN_DIR", "a training run or its model/ folder");
    private readonly Option<bool> _json = CliOptions.Flag("--json", "one JSON object per file instead of a tab-separated line");
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Argument<string[]> _audio = new("AUDIO") { Arity = ArgumentArity.OneOrMore, Description = "audio files" };

    public PredictCommand() : base("predict", "Predict the emotion of audio files (long files: overlapping windows, probabilities averaged).")
    {
        Add(_model);
        Add(_json);
        Add(_device);
        Add(_audio);
    }

    protected override int Run(ParseResult parsed)
    {
        bool json = parsed.GetValue(_json);
        using var recognizer = EmotionRecognizer.Load(parsed.GetValue(_model)!, parsed.GetValue(_device)!);
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
}
