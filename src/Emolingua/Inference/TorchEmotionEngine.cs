using Emolingua.Models;
using static TorchSharp.torch;

namespace Emolingua.Inference;

/// <summary>A model folder (or a classifier in memory) run through TorchSharp; probabilities are calibrated by the
/// folder's temperature.</summary>
public sealed class TorchEmotionEngine : IEmotionEngine
{
    private readonly bool _ownsModel;

    public EmotionClassifier Model { get; }
    public string Name => "torch";
    public double Seconds { get; }
    public string Method { get; }
    public IReadOnlyList<string> Labels { get; }
    public int BatchSize { get; }
    public double Temperature { get; }

    /// <param name="ownsModel">Dispose the model with the engine.</param>
    /// <param name="temperature">The calibration temperature T: probabilities are softmax(logits / T).</param>
    public TorchEmotionEngine(
        EmotionClassifier model,
        double seconds,
        string method,
        IReadOnlyList<string> labels,
        int batchSize = 32,
        bool ownsModel = false,
        double temperature = 1
    )
    {
        Model = model;
        Seconds = seconds;
        Method = method;
        Labels = labels;
        BatchSize = batchSize;
        _ownsModel = ownsModel;
        Temperature = temperature;
    }

    /// <param name="folder">A run folder (holding model/) or a model folder.</param>
    public static TorchEmotionEngine Load(string folder, Device? device = null, int batchSize = 32)
    {
        var modelDir = ModelBundle.Locate(folder);
        var info = ModelBundle.ReadInfo(modelDir);
        return new TorchEmotionEngine(
            ModelBundle.Load(modelDir, device),
            info.Seconds,
            info.Method,
            info.Labels,
            batchSize,
            ownsModel: true,
            info.Temperature
        );
    }

    public (float[][] Probabilities, float[][]? Embeddings) Classify(
        IReadOnlyList<float[]> windows,
        bool embeddings = false
    ) => EngineOutput.Checked(Model.ClassifyWindows(windows, BatchSize, embeddings, Temperature), Name);

    public void Dispose()
    {
        if (_ownsModel)
            Model.Dispose();
    }
}
