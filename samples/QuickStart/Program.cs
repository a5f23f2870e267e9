// dotnet run -- model.onnx clip.wav: the label, then every class's calibrated probability.
using System.Globalization;
using Emolingua.Inference;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run -- model.onnx clip.wav");
    return 1;
}
using var recognizer = EmotionRecognizer.Load(args[0]); // a model.onnx, or a hub id holding one
EmotionPrediction p = recognizer.Predict(args[1]); // WAV, MP3, or anything ffmpeg reads
Console.WriteLine(p.Label);
foreach (var label in recognizer.Labels)
    Console.WriteLine($"{label}\t{p.Probabilities[label].ToString("R", CultureInfo.InvariantCulture)}");
return 0;
