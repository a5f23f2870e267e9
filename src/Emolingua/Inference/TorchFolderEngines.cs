using Emolingua.Models;
using Emolingua.Models.Onnx;
using Emolingua.Util;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Inference;

/// <summary>
/// Run and model folders for <see cref="EmotionEngines"/>: TorchSharp on <see cref="Device"/>, or (engine onnx) the
/// folder exported in memory and run by ONNX Runtime. <see cref="EmotionEngines"/> finds this type by name, so
/// <c>EmotionRecognizer.Load(RUN_DIR)</c> works in any application that carries the Emolingua package.
/// </summary>
public sealed class TorchFolderEngines(Device? device = null) : IFolderEngineLoader
{
    public TorchFolderEngines()
        : this(null) { }

    public Device? Device { get; } = device;

    public IEmotionEngine Open(string folder, EngineKind kind)
    {
        var cpu = Device == null || Device.type == DeviceType.CPU;
        if (kind != EngineKind.Onnx)
            return TorchEmotionEngine.Load(folder, Device);
        if (!cpu)
            throw new EmolinguaException(folder, "the onnx engine runs on the CPU only");
        var modelDir = ModelBundle.Locate(folder);
        return OnnxEmotionEngine.FromBytes(OnnxExport.EmotionModel(modelDir).ToByteArray(), modelDir);
    }

    /// <summary><see cref="EmotionEngines.Open"/> with TorchSharp on <paramref name="device"/> for folders; an ONNX
    /// file refuses a device other than the CPU.</summary>
    public static IEmotionEngine Open(string path, EngineKind kind = EngineKind.Auto, Device? device = null)
    {
        if (device != null && device.type != DeviceType.CPU && EmotionEngines.IsOnnxFile(path))
            throw new EmolinguaException(path, "the onnx engine runs on the CPU only");
        return EmotionEngines.Open(path, kind, new TorchFolderEngines(device));
    }
}
