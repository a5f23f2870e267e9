namespace Emolingua.Inference;

/// <summary>
/// Something that runs a trained emotion model on fixed-length windows: the TorchSharp model of a model folder
/// (TorchEmotionEngine, in the Emolingua package) or an exported ONNX file. Windowing, averaging and labels live above
/// it, in
/// <see cref="EmotionRecognizer"/>, so every engine reads long clips the same way.
/// </summary>
public interface IEmotionEngine : IDisposable
{
    /// <summary>"torch" or "onnx".</summary>
    string Name { get; }

    /// <summary>The window length S in seconds: every window passed in holds S·16000 samples of 16 kHz mono
    /// audio.</summary>
    double Seconds { get; }

    /// <summary>The training method recorded with the model (baseline, contrastive, byol, ...).</summary>
    string Method { get; }

    /// <summary>Class names in output order.</summary>
    IReadOnlyList<string> Labels { get; }

    /// <summary>
    /// The calibration temperature T of the model (<c>ModelBundle.Info.Temperature</c>: calibration.json in the model
    /// folder, 1 without it). <see cref="Classify"/> returns softmax(logits / T): an engine applies it itself (an
    /// exported graph bakes the division in), so every caller gets calibrated probabilities.
    /// </summary>
    double Temperature { get; }

    /// <summary>
    /// Calibrated probabilities softmax(logits / <see cref="Temperature"/>) [N][classes] and, when asked, pooled
    /// embeddings [N][D] of the windows. Not thread-safe.
    /// </summary>
    (float[][] Probabilities, float[][]? Embeddings) Classify(IReadOnlyList<float[]> windows, bool embeddings = false);
}
