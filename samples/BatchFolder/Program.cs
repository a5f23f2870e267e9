// dotnet run -- model.onnx FOLDER predictions.csv: every audio file under FOLDER into one CSV, with progress.
// Run it again after an interruption: files already in the CSV are skipped.
using Emolingua.Inference;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: dotnet run -- model.onnx FOLDER predictions.csv");
    return 1;
}
using var recognizer = EmotionRecognizer.Load(args[0]);
var files = PredictionInputs.Expand([args[1]]);
var options = new BatchOptions { OutPath = args[2], Resume = File.Exists(args[2]) };
var summary = BatchPrediction.Run(recognizer, files, options, p =>
    Console.Error.Write($"\r{p.Done}/{p.Pending} files, {p.FilesPerSecond:0.0} files/s")
);
Console.Error.WriteLine();
Console.WriteLine($"{summary.Predicted} predicted, {summary.Failed} failed, {summary.Skipped} already in {args[2]}");
return summary.Failed > 0 ? 3 : 0;
