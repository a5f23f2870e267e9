using Emolingua.Models;
using Emolingua.Models.Onnx;
using Emolingua.Util;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Inference;

/// <summary>Which runtime runs a model.</summary>
public enum EngineKind
{
    /// <summary>TorchSharp for a run or model folder, ONNX Runtime for an .onnx file.</summary>
    Auto,
    Torch,

    /// <summary>ONNX Runtime; a run or model folder is exported in memory first (nothing is written).</summary>
    Onnx,
}

/// <summary>Opens the engine for a model path: a run folder, a model folder or an exported .onnx file.</summary>
public static class EmotionEngines
{
    public static IEmotionEngine Open(string path, EngineKind kind = EngineKind.Auto, Device? device = null)
    {
        bool onnxFile = IsOnnxFile(path);
        if (!onnxFile && File.Exists(path))
            throw new EmolinguaException(path, "neither a model folder nor an ONNX file (.onnx)");
        bool cpu = device == null || device.type == DeviceType.CPU;
        switch (kind)
        {
            case EngineKind.Torch when onnxFile:
                throw new EmolinguaException(path, "an ONNX file runs with the onnx engine; TorchSharp reads run or model folders");
            case EngineKind.Onnx or EngineKind.Auto when onnxFile:
                if (!cpu) throw new EmolinguaException(path, "the onnx engine runs on the CPU only");
                return OnnxEmotionEngine.Load(path);
            case EngineKind.Onnx:
                if (!cpu) throw new EmolinguaException(path, "the onnx engine runs on the CPU only");
                var folder = ModelBundle.Locate(path);
                return OnnxEmotionEngine.FromBytes(OnnxExport.EmotionModel(folder).ToByteArray(), folder);
            default:
                return TorchEmotionEngine.Load(path, device);
        }
    }

    /// <summary>A file named *.onnx, or one whose first byte is ModelProto's ir_version field (tag 0x08).</summary>
    public static bool IsOnnxFile(string path)
    {
        if (!File.Exists(path)) return false;
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return true;
        using var stream = File.OpenRead(path);
        return stream.ReadByte() == 0x08;
    }
}
