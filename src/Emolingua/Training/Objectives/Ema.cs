using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Training.Objectives;

/// <summary>BYOL's momentum (EMA) update of the target network.</summary>
public static class Ema
{
    /// <summary>
    /// In no_grad, for every parameter: target = τ·target + (1 − τ)·online. Buffers (e.g. BatchNorm running
    /// statistics) are copied from the online network, not averaged, when <paramref name="copyBuffers"/> (default).
    /// Call once per optimisation step, after <c>optimizer.step()</c>.
    /// </summary>
    /// <remarks>
    /// lucidrains/BYOL-A never touch the target's buffers after the initial deepcopy (the target's own forward passes
    /// update its BatchNorm statistics); copying keeps the target's normalisation statistics equal to the online
    /// network's. Whisper's encoder has only LayerNorm (no buffers that matter), so this only affects heads with
    /// BatchNorm. Pass copyBuffers = false for the lucidrains behaviour. The two modules must have the same
    /// parameter names and shapes (build the target as a second instance and load the online state dict into it).
    /// </remarks>
    public static void Update(nn.Module target, nn.Module online, double tau, bool copyBuffers = true)
    {
        if (!(tau >= 0 && tau <= 1))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be in [0, 1].");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var tauScalar = Hold(tau); // per-step values: held for the loop (see Util.Scalars)
        using var oneMinusTau = Hold(1 - tau);
        foreach (var ((_, t), (_, o)) in Pair(target.named_parameters(), online.named_parameters(), "parameter"))
            t.mul_(tauScalar).add_(o.to(t.dtype, t.device), oneMinusTau);
        if (!copyBuffers)
            return;
        foreach (var ((_, t), (_, o)) in Pair(target.named_buffers(), online.named_buffers(), "buffer"))
            t.copy_(o);
    }

    private static IEnumerable<((string, Tensor), (string, Tensor))> Pair(
        IEnumerable<(string name, TorchSharp.Modules.Parameter parameter)> target,
        IEnumerable<(string name, TorchSharp.Modules.Parameter parameter)> online,
        string what
    ) =>
        Pair(
            target.Select(p => (p.name, (Tensor)p.parameter)),
            online.Select(p => (p.name, (Tensor)p.parameter)),
            what
        );

    private static IEnumerable<((string, Tensor), (string, Tensor))> Pair(
        IEnumerable<(string name, Tensor tensor)> target,
        IEnumerable<(string name, Tensor tensor)> online,
        string what
    )
    {
        var t = target.ToList();
        var o = online.ToList();
        if (t.Count != o.Count)
            throw new ArgumentException($"EMA: target has {t.Count} {what}s, online has {o.Count}.");
        for (var i = 0; i < t.Count; i++)
        {
            if (t[i].name != o[i].name || !t[i].tensor.shape.SequenceEqual(o[i].tensor.shape))
            {
                throw new ArgumentException(
                    $"EMA: {what} {i} differs: target '{t[i].name}' [{string.Join(", ", t[i].tensor.shape)}] vs online '{o[i].name}' [{string.Join(", ", o[i].tensor.shape)}]."
                );
            }

            yield return (t[i], o[i]);
        }
    }
}
