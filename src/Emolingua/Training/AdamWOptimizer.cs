using Emolingua.Models;
using TorchSharp;
using TorchSharp.Modules;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Training;

/// <summary>
/// AdamW with decoupled weight decay, exactly torch.optim.AdamW's update (Loshchilov &amp; Hutter), written out so its
/// state (step, first and second moments) can be checkpointed as named tensors and restored bit for bit. CPU
/// parameters are updated by <see cref="FusedAdamW"/> in one pass over memory.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly List<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _moments = new();

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }
    public long Step { get; private set; }

    public AdamWOptimizer(
        IEnumerable<(string Name, Parameter Parameter)> parameters,
        double learningRate,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double epsilon = 1e-8,
        double weightDecay = 0.01
    )
    {
        _parameters = parameters.Where(p => p.Parameter.requires_grad).ToList();
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters => _parameters;

    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters)
        {
            if (p.grad is { } g)
            {
                g.Dispose();
                p.grad = null;
            }
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void StepOnce()
    {
        Step++;
        var c = new AdamWCoefficients(
            Decay: 1 - LearningRate * WeightDecay,
            Beta1: Beta1,
            Beta2: Beta2,
            Correction2: Math.Sqrt(1 - Math.Pow(Beta2, Step)),
            Epsilon: Epsilon,
            StepSize: -LearningRate / (1 - Math.Pow(Beta1, Step))
        );
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var fused = new List<FusedAdamW.Slot>();
        var other = new List<(Tensor P, Tensor G, Tensor M, Tensor V)>();
        foreach (var (name, p) in _parameters)
        {
            if (p.grad is not { } g)
                continue;
            var (m, v) = Moments(name, p);
            if (FusedAdamW.Slot.Of(p, g, m, v) is { } slot)
                fused.Add(slot);
            else
                other.Add((p, g, m, v));
        }
        FusedAdamW.Update(fused, c);
        if (other.Count > 0)
            UpdateWithTensorOps(other, c);
    }

    /// <summary>
    /// The same update as tensor operations, for parameters the fused loop cannot reach (a CUDA device, an unusual
    /// dtype): seven passes over memory instead of one.
    /// </summary>
    internal static void UpdateWithTensorOps(
        IEnumerable<(Tensor P, Tensor G, Tensor M, Tensor V)> parameters,
        AdamWCoefficients c
    )
    {
        // Per-step values, held for the loop (see Util.Scalars).
        using var decay = Hold(c.Decay);
        using var beta1 = Hold(c.Beta1);
        using var oneMinusBeta1 = Hold(1 - c.Beta1);
        using var beta2 = Hold(c.Beta2);
        using var oneMinusBeta2 = Hold(1 - c.Beta2);
        using var correction2 = Hold(c.Correction2);
        using var epsilon = Hold(c.Epsilon);
        using var stepSize = Hold(c.StepSize);
        foreach (var (p, g, m, v) in parameters)
        {
            using var scope = NewDisposeScope();
            p.mul_(decay);
            m.mul_(beta1).add_(g, alpha: oneMinusBeta1);
            v.mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            var denominator = v.sqrt().div_(correction2).add_(epsilon, One);
            p.addcdiv_(m, denominator, value: stepSize);
        }
    }

    private (Tensor M, Tensor V) Moments(string name, Parameter p)
    {
        if (!_moments.TryGetValue(name, out var state))
        {
            state = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
            _moments[name] = state;
        }
        return state;
    }

    /// <summary>The state as named CPU float arrays: "m.NAME", "v.NAME" (only parameters updated so far).</summary>
    public Dictionary<string, (float[] Data, long[] Shape)> StateTensors()
    {
        return StateDict.ToFloat32(
            _moments.SelectMany(kv => new[] { ("m." + kv.Key, kv.Value.M), ("v." + kv.Key, kv.Value.V) })
        );
    }

    public void LoadState(long step, IReadOnlyDictionary<string, (float[] Data, long[] Shape)> tensors)
    {
        Step = step;
        foreach (var (_, (m, v)) in _moments)
        {
            m.Dispose();
            v.Dispose();
        }
        _moments.Clear();
        foreach (var (name, p) in _parameters)
        {
            if (!tensors.TryGetValue("m." + name, out var m) || !tensors.TryGetValue("v." + name, out var v))
                continue;
            _moments[name] = (
                tensor(m.Data, m.Shape, device: p.device).DetachFromDisposeScope(),
                tensor(v.Data, v.Shape, device: p.device).DetachFromDisposeScope()
            );
        }
    }

    public void Dispose()
    {
        foreach (var (_, (m, v)) in _moments)
        {
            m.Dispose();
            v.Dispose();
        }
        _moments.Clear();
    }
}
