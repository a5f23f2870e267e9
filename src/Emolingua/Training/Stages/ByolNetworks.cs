using Emolingua.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Emolingua.Training.Stages;

#pragma warning disable IDE1006 // field names are state-dict keys

/// <summary>BYOL's projector/predictor MLP: Linear → BatchNorm1d → ReLU → Linear (lucidrains, BYOL-A).</summary>
public sealed class ByolMlp : Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly BatchNorm1d bn;
    public readonly Linear fc2;

    public ByolMlp(int input, int hidden, int output)
        : base(nameof(ByolMlp))
    {
        fc1 = Linear(input, hidden);
        bn = BatchNorm1d(hidden);
        fc2 = Linear(hidden, output);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(functional.relu(bn.forward(fc1.forward(x)))).MoveToOuterDisposeScope();
    }
}

/// <summary>Encoder + projector: the part shared by BYOL's online and target networks (same names for the
/// EMA).</summary>
public sealed class ByolBranch : Module<Tensor, Tensor>
{
    public readonly WhisperEncoder encoder;
    public readonly ByolMlp projector;

    public ByolBranch(WhisperEncoder encoder, ByolMlp projector)
        : base(nameof(ByolBranch))
    {
        this.encoder = encoder;
        this.projector = projector;
        RegisterComponents();
    }

    /// <param name="mel">[B, n_mels, frames]</param><returns>projection [B, P]</returns>
    public override Tensor forward(Tensor mel)
    {
        using var scope = NewDisposeScope();
        return projector.forward(encoder.Embed(mel)).MoveToOuterDisposeScope();
    }
}

/// <summary>All BYOL modules, for checkpoints: online branch, predictor, classification head, target branch.</summary>
public sealed class ByolNetworks : Module
{
    public readonly ByolBranch online;
    public readonly ByolMlp predictor;
    public readonly ClassificationHead head;
    public readonly ByolBranch target;

    public ByolNetworks(ByolBranch online, ByolMlp predictor, ClassificationHead head, ByolBranch target)
        : base(nameof(ByolNetworks))
    {
        this.online = online;
        this.predictor = predictor;
        this.head = head;
        this.target = target;
        RegisterComponents();
    }
}
