using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Util;

namespace Emolingua.Fuzz;

/// <summary>The files of a model people download: safetensors weights, a trained model folder's JSON, an exported ONNX
/// graph.</summary>
internal static class ModelTargets
{
    /// <summary>The safetensors header and every tensor read as float32 (what loading weights does).</summary>
    public static void SafeTensors(byte[] data)
    {
        var path = FuzzTargets.WriteScratch("model.safetensors", data);
        var file = Models.SafeTensors.Open(path);
        foreach (var name in file.Entries.Keys)
        {
            try
            {
                file.ReadFloat32(name);
            }
            catch (EmolinguaException) { }
        }
    }

    /// <summary>
    /// A trained model folder's config.json, labels.json and calibration.json (the input's zero bytes separate the
    /// three), read as predict and evaluate read them; config.json is also read as a Whisper config.
    /// </summary>
    public static void ModelJson(byte[] data)
    {
        var parts = FuzzTargets.Split(data, 3);
        var folder = Path.Combine(FuzzTargets.Scratch, "model");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "config.json"), parts[0]);
        File.WriteAllBytes(Path.Combine(folder, "labels.json"), parts[1]);
        var calibration = Path.Combine(folder, "calibration.json");
        if (parts[2].Length > 0)
            File.WriteAllBytes(calibration, parts[2]);
        else
            File.Delete(calibration); // absent: T = 1
        try
        {
            WhisperConfig.Read(Path.Combine(folder, "config.json"));
        }
        catch (EmolinguaException) { }
        ModelBundle.ReadInfo(ModelBundle.Locate(folder));
    }

    /// <summary>An ONNX file as the onnx engine opens it: ONNX Runtime parses the graph, our code reads labels, window,
    /// rate and temperature from its metadata.</summary>
    public static void OnnxMetadata(byte[] data)
    {
        using var engine = OnnxEmotionEngine.FromBytes(data, "model.onnx", threads: 1);
        _ = (engine.Labels, engine.Seconds, engine.Temperature, engine.Method);
    }
}
