using Emolingua.Models;
using TorchSharp;
using TorchSharp.Modules;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Training;

/// <summary>
/// AdamW with decoupled weight decay, exactly torch.optim.AdamW's update (Loshchilov &amp; Hutter), written out so its
/// state (step, first and second moments) can be checkpointed as named tensors and restored bit for bit.
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
            if (p.grad is { } g)
            {
                g.Dispose();
                p.grad = null;
            }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void StepOnce()
    {
        Step++;
        var biasCorrection1 = 1 - Math.Pow(Beta1, Step);
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Step));
        using var noGrad = no_grad();
        // Per-step values, held for the loop (see Util.Scalars).
        using var decay = Hold(1 - LearningRate * WeightDecay);
        using var beta1 = Hold(Beta1);
        using var oneMinusBeta1 = Hold(1 - Beta1);
        using var beta2 = Hold(Beta2);
        using var oneMinusBeta2 = Hold(1 - Beta2);
        using var correction2 = Hold(biasCorrection2Sqrt);
        using var epsilon = Hold(Epsilon);
        using var stepSize = Hold(-LearningRate / biasCorrection1);
        foreach (var (name, p) in _parameters)
        {
            var g = p.grad;
            if (g is null)
                continue;
            using var scope = NewDisposeScope();
            var (m, v) = Moments(name, p);
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
