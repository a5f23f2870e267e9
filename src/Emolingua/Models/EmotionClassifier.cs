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

    public EmotionClassifier(WhisperEncoder encoder, int classes = 4, int hiddenDim = 256, double dropoutRate = 0.1)
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
}
