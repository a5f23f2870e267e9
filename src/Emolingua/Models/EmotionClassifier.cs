using Emolingua.Features;
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

    public ClassificationHead(int inputDim, int hiddenDim, int classes, double dropoutRate) : base(nameof(ClassificationHead))
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
    public EmotionClassifier(WhisperEncoder encoder, ClassificationHead head) : base(nameof(EmotionClassifier))
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
    /// Class probabilities [N][classes] (and pooled embeddings [N][D] when asked) of 16 kHz windows of one length
    /// that gives this encoder's log-mel frame count (S seconds: S·16000 samples), in batches of <paramref name="batchSize"/>, without gradients. Training mode is
    /// restored afterwards (validation calls this mid-training).
    /// </summary>
    public (float[][] Probabilities, float[][]? Embeddings) ClassifyWindows(IReadOnlyList<float[]> windows, int batchSize = 32, bool embeddings = false)
    {
        int samples = windows.Count == 0 ? 0 : windows[0].Length;
        if (windows.Count > 0 && samples / WhisperAudio.HopLength != encoder.Frames)
            throw new ArgumentException($"windows of {samples} samples give {samples / WhisperAudio.HopLength} log-mel frames; this encoder reads {encoder.Frames}");
        int classes = (int)head.fc2.out_features, dim = encoder.Config.DModel;
        var device = encoder.conv1.weight!.device;
        var probabilities = new float[windows.Count][];
        var pooled = embeddings ? new float[windows.Count][] : null;
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < windows.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int b = Math.Min(batchSize, windows.Count - start);
                var flat = new float[b * samples];
                for (int i = 0; i < b; i++)
                {
                    if (windows[start + i].Length != samples)
                        throw new ArgumentException($"window {start + i} has {windows[start + i].Length} samples, window 0 has {samples}");
                    windows[start + i].CopyTo(flat, i * samples);
                }
                var mel = WhisperLogMel.Compute(tensor(flat, new long[] { b, samples }, device: device), encoder.Config.NumMelBins); // [b, n_mels, frames]
                var (embedding, logits) = ForwardWithEmbedding(mel);
                var probs = functional.softmax(logits, 1).cpu().data<float>().ToArray();   // [b, classes]
                var emb = embeddings ? embedding.cpu().data<float>().ToArray() : null;       // [b, D]
                for (int i = 0; i < b; i++)
                {
                    probabilities[start + i] = probs.AsSpan(i * classes, classes).ToArray();
                    if (emb != null) pooled![start + i] = emb.AsSpan(i * dim, dim).ToArray();
                }
            }
        }
        finally
        {
            if (wasTraining) train();
        }
        return (probabilities, pooled);
    }

    /// <summary>Whole clips read as windows (<see cref="AudioWindows"/>), window probabilities and embeddings averaged per clip.</summary>
    public (float[][] Probabilities, float[][]? Embeddings) ClassifyClips(IReadOnlyList<float[]> clips, double seconds, int batchSize = 32, bool embeddings = false)
    {
        var windows = AudioWindows.Plan(clips, WhisperAudio.SamplesFor(seconds));
        var (probs, emb) = ClassifyWindows(windows.Select(w => w.Samples).ToList(), batchSize, embeddings);
        return (AudioWindows.MeanByClip(windows, probs, clips.Count), emb == null ? null : AudioWindows.MeanByClip(windows, emb, clips.Count));
    }
}
