using Emolingua.Features;
using Emolingua.Util;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Emolingua.Models;

#pragma warning disable IDE1006 // field names are state-dict keys

/// <summary>The paper's head: two fully connected layers with dropout on the time-mean embedding.</summary>
public sealed class ClassificationHead : Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly Dropout dropout;
    public readonly Linear fc2;

    public ClassificationHead(int inputDim, int hiddenDim, int classes, double dropoutRate)
        : base(nameof(ClassificationHead))
    {
        fc1 = Linear(inputDim, hiddenDim);
        dropout = Dropout(dropoutRate);
        fc2 = Linear(hiddenDim, classes);
        RegisterComponents();
    }

    /// <param name="x">[B, D]</param><returns>logits [B, classes]</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(dropout.forward(functional.relu(fc1.forward(x)))).MoveToOuterDisposeScope();
    }
}

/// <summary>Whisper encoder → time-mean → classification head. State-dict keys: encoder.*, head.*.</summary>
public sealed class EmotionClassifier : Module<Tensor, Tensor>
{
    public readonly WhisperEncoder encoder;
    public readonly ClassificationHead head;

    public EmotionClassifier(WhisperEncoder encoder, int classes, int hiddenDim = 256, double dropoutRate = 0.1)
        : this(encoder, new ClassificationHead(encoder.Config.DModel, hiddenDim, classes, dropoutRate)) { }

    /// <summary>Wraps an existing encoder and head (BYOL infers with its target encoder and the online head).</summary>
    public EmotionClassifier(WhisperEncoder encoder, ClassificationHead head)
        : base(nameof(EmotionClassifier))
    {
        this.encoder = encoder;
        this.head = head;
        RegisterComponents();
    }

    /// <param name="mel">[B, n_mels, frames]</param><returns>logits [B, classes]</returns>
    public override Tensor forward(Tensor mel)
    {
        using var scope = NewDisposeScope();
        return head.forward(encoder.Embed(mel)).MoveToOuterDisposeScope();
    }

    /// <summary>Both the embedding [B, D] and the logits [B, classes] from one encoder pass.</summary>
    public (Tensor Embedding, Tensor Logits) ForwardWithEmbedding(Tensor mel)
    {
        using var scope = NewDisposeScope();
        var embedding = encoder.Embed(mel);
        var logits = head.forward(embedding);
        return (embedding.MoveToOuterDisposeScope(), logits.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Class probabilities softmax(logits / <paramref name="temperature"/>) [N][classes] (and pooled embeddings [N][D]
    /// when asked) of 16 kHz windows of one length that gives this encoder's log-mel frame count (S seconds: S·16000
    /// samples), in batches of <paramref name="batchSize"/>, without gradients. Training mode is restored afterwards
    /// (validation calls this mid-training).
    /// </summary>
    /// <param name="temperature">The calibration temperature (<see cref="Scoring.TemperatureScaling"/>); 1 gives the
    /// plain softmax.</param>
    public (float[][] Probabilities, float[][]? Embeddings) ClassifyWindows(
        IReadOnlyList<float[]> windows,
        int batchSize = 32,
        bool embeddings = false,
        double temperature = 1
    )
    {
        if (!(temperature > 0) || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), "the temperature must be a positive number");
        return RunWindows(windows, batchSize, embeddings, temperature);
    }

    /// <summary>The head's logits [N][classes] of windows as <see cref="ClassifyWindows"/> reads them (temperature
    /// scaling is fitted on these).</summary>
    public float[][] WindowLogits(IReadOnlyList<float[]> windows, int batchSize = 32) =>
        RunWindows(windows, batchSize, false, null).Outputs;

    /// <param name="temperature">null: the logits themselves; otherwise softmax(logits / T).</param>
    private (float[][] Outputs, float[][]? Embeddings) RunWindows(
        IReadOnlyList<float[]> windows,
        int batchSize,
        bool embeddings,
        double? temperature
    )
    {
        var samples = windows.Count == 0 ? 0 : windows[0].Length;
        if (windows.Count > 0 && samples / WhisperAudio.HopLength != encoder.Frames)
        {
            throw new ArgumentException(
                $"windows of {samples} samples give {samples / WhisperAudio.HopLength} log-mel frames; this encoder reads {encoder.Frames}"
            );
        }

        int classes = (int)head.fc2.out_features,
            dim = encoder.Config.DModel;
        var device = encoder.conv1.weight!.device;
        var outputs = new float[windows.Count][];
        var pooled = embeddings ? new float[windows.Count][] : null;
        var wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var temperatureScalar = Scalars.Hold(temperature ?? 1);
            for (var start = 0; start < windows.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var b = Math.Min(batchSize, windows.Count - start);
                var flat = AudioWindows.Stack(windows, start, b, samples); // [b, samples]
                var mel = WhisperLogMel.Compute(
                    tensor(flat, new long[] { b, samples }, device: device),
                    encoder.Config.NumMelBins
                ); // [b, n_mels, frames]
                var (embedding, logits) = ForwardWithEmbedding(mel); // [b, D], [b, classes]
                // [b, classes]
                var output = temperature == null ? logits : functional.softmax(logits.div(temperatureScalar), 1);
                var values = output.cpu().data<float>().ToArray();
                var emb = embeddings ? embedding.cpu().data<float>().ToArray() : null; // [b, D]
                for (var i = 0; i < b; i++)
                {
                    outputs[start + i] = values.AsSpan(i * classes, classes).ToArray();
                    if (emb != null)
                        pooled![start + i] = emb.AsSpan(i * dim, dim).ToArray();
                }
            }
        }
        finally
        {
            if (wasTraining)
                train();
        }
        return (outputs, pooled);
    }
}
