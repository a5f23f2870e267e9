using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Training.Objectives;

/// <summary>The weight λ of L_mixed = (1 − λ)·L_CE + λ·L_BYOL (paper Eq. 2), decayed linearly from 0.8 to
/// 0.2.</summary>
public static class LambdaSchedule
{
    /// <summary>
    /// λ(step) = start + (end − start)·clamp(step / totalSteps, 0, 1): <paramref name="start"/> at step 0,
    /// <paramref name="end"/> at step = totalSteps and after. With 0-based steps 0..K−1, pass totalSteps = K − 1 to
    /// reach <paramref name="end"/> on the last step.
    /// </summary>
    public static double Linear(long step, long totalSteps, double start = 0.8, double end = 0.2)
    {
        if (totalSteps <= 0)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Must be > 0.");
        var progress = Math.Clamp((double)step / totalSteps, 0.0, 1.0);
        return start + (end - start) * progress;
    }

    /// <summary>(1 − λ)·ce + λ·byol (scalars).</summary>
    public static Tensor Mixed(Tensor crossEntropy, Tensor byol, double lambda)
    {
        using var scope = torch.NewDisposeScope();
        using var weightCe = Hold(1 - lambda); // per-step values, held for the call (see Util.Scalars)
        using var weightByol = Hold(lambda);
        return (crossEntropy * weightCe).add(byol * weightByol, One).MoveToOuterDisposeScope();
    }
}
