using Emolingua.Models;
using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>Which runtime runs a model.</summary>
public enum EngineKind
{
    /// <summary>TorchSharp for a run or model folder, ONNX Runtime for an .onnx file.</summary>
    Auto,

    /// <summary>TorchSharp (run and model folders only; needs the Emolingua package).</summary>
    Torch,

    /// <summary>ONNX Runtime; a run or model folder is exported in memory first (nothing is written).</summary>
    Onnx,
}

/// <summary>
/// Opens engines for run and model folders (a training run's <c>RUN_DIR</c> or its <c>model/</c>). The runtime itself
/// reads only exported ONNX files; the Emolingua package supplies the TorchSharp loader
/// (<c>Emolingua.Inference.TorchFolderEngines</c>), which <see cref="EmotionEngines"/> finds by itself when that
/// assembly is part of the application.
/// </summary>
public interface IFolderEngineLoader
{
    /// <summary>The engine for a run or model folder.</summary>
    /// <param name="folder">A run folder (holding model/) or a model folder.</param>
    /// <param name="kind"><see cref="EngineKind.Torch"/> or <see cref="EngineKind.Auto"/> for TorchSharp,
    /// <see cref="EngineKind.Onnx"/> to export in memory first.</param>
    IEmotionEngine Open(string folder, EngineKind kind);
}

/// <summary>Opens the engine for a model path: an exported .onnx file, a run or model folder, or a Hugging Face hub
/// id.</summary>
public static class EmotionEngines
{
    /// <summary>The assembly-qualified name of the Emolingua package's folder loader, looked up when
    /// <see cref="FolderLoader"/> is not set.</summary>
    public const string TorchFolderLoaderType = "Emolingua.Inference.TorchFolderEngines, Emolingua";

    /// <summary>
    /// The loader used for run and model folders when <see cref="Open"/> is given none; when null, the Emolingua
    /// package's TorchSharp loader is used if the application carries it.
    /// </summary>
    public static IFolderEngineLoader? FolderLoader { get; set; }

    /// <summary>Opens the engine for <paramref name="path"/>.</summary>
    /// <param name="path">An exported .onnx file, a run or model folder, or the hub id of a repository holding a
    /// model.onnx.</param>
    /// <param name="kind">The runtime to use (<see cref="EngineKind.Auto"/>: ONNX Runtime for .onnx files, TorchSharp
    /// for folders).</param>
    /// <param name="folders">The loader for folders; default <see cref="FolderLoader"/>, else the Emolingua
    /// package's.</param>
    public static IEmotionEngine Open(
        string path,
        EngineKind kind = EngineKind.Auto,
        IFolderEngineLoader? folders = null
    )
    {
        if (!File.Exists(path) && !Directory.Exists(path) && HubModels.IsHubId(path))
        {
            // owner/name that is no local path: a hub id, or a mistyped folder; the message covers both.
            try
            {
                path = HubModels.ResolveOnnx(path);
            }
            catch (EmolinguaException e) when (e.File == path)
            {
                throw new EmolinguaException(
                    path,
                    $"not a local file or folder; as a hub id: {e.Message[(path.Length + 2)..]}",
                    e
                );
            }
        }
        var onnxFile = IsOnnxFile(path);
        if (!onnxFile && File.Exists(path))
            throw new EmolinguaException(path, "neither a model folder nor an ONNX file (.onnx)");
        if (onnxFile)
        {
            if (kind == EngineKind.Torch)
            {
                throw new EmolinguaException(
                    path,
                    "an ONNX file runs with the onnx engine; TorchSharp reads run or model folders"
                );
            }

            return OnnxEmotionEngine.Load(path);
        }
        return (folders ?? FolderLoader ?? TorchFolderLoader(path)).Open(path, kind);
    }

    /// <summary>A file named *.onnx, or one whose first byte is ModelProto's ir_version field (tag 0x08).</summary>
    public static bool IsOnnxFile(string path)
    {
        if (!File.Exists(path))
            return false;
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return true;
        using var stream = File.OpenRead(path);
        return stream.ReadByte() == 0x08;
    }

    private static IFolderEngineLoader TorchFolderLoader(string path)
    {
        var type = Type.GetType(TorchFolderLoaderType, throwOnError: false);
        return type != null && Activator.CreateInstance(type) is IFolderEngineLoader loader
            ? loader
            : throw new EmolinguaException(
                path,
                "a run or model folder runs on TorchSharp, which Emolingua.Runtime does not carry: add the Emolingua package, or export the model (emolingua export --model FOLDER --out model.onnx) and load the .onnx file"
            );
    }
}
