using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Training.Objectives;

/// <summary>BYOL's regression objective (Grill et al. 2020; lucidrains/byol-pytorch <c>loss_fn</c>).</summary>
public static class ByolLoss
{
    /// <summary>
    /// Per-example 2 − 2·cos(p, z) = ‖p̂ − ẑ‖² <c>[B]</c>, in [0, 4]; <paramref name="target"/> is detached.
    /// Normalisation uses F.normalize's eps 1e-12.
    /// </summary>
    /// <param name="prediction"><c>[B, P]</c> online predictor output.</param>
    /// <param name="target"><c>[B, P]</c> target projector output (no gradient flows into it).</param>
    public static Tensor Regression(Tensor prediction, Tensor target)
    {
        if (prediction.dim() != 2 || !prediction.shape.SequenceEqual(target.shape))
        {
            throw new ArgumentException(
                $"Expected two [B, P] tensors of the same shape, got [{string.Join(", ", prediction.shape)}] and [{string.Join(", ", target.shape)}]."
            );
        }

        using var scope = torch.NewDisposeScope();
        var p = nn.functional.normalize(prediction, p: 2, dim: -1);
        var z = nn.functional.normalize(target.detach(), p: 2, dim: -1);
        return ((p * z).sum(-1) * Held(-2.0)).add(Held(2.0), One).MoveToOuterDisposeScope(); // [B]
    }

    /// <summary>
    /// Symmetric BYOL loss: mean over the batch of loss(q1, z2') + loss(q2, z1'), each term 2 − 2·cos, targets
    /// detached (range 0..8), as in lucidrains/byol-pytorch and BYOL-A.
    /// </summary>
    /// <param name="onlinePred1"><c>[B, P]</c> online prediction of view 1.</param>
    /// <param name="targetProj2"><c>[B, P]</c> target projection of view 2.</param>
    /// <param name="onlinePred2"><c>[B, P]</c> online prediction of view 2.</param>
    /// <param name="targetProj1"><c>[B, P]</c> target projection of view 1.</param>
    public static Tensor Symmetric(Tensor onlinePred1, Tensor targetProj2, Tensor onlinePred2, Tensor targetProj1)
    {
        using var scope = torch.NewDisposeScope();
        var perExample = Regression(onlinePred1, targetProj2).add(Regression(onlinePred2, targetProj1), One); // [B]
        return perExample.mean().MoveToOuterDisposeScope();
    }
}
