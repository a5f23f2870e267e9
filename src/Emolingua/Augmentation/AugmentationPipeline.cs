using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Augmentation;

/// <summary>
/// Applies augmentations of one domain in order, all drawing from the same generator. <c>ToString()</c> lists every
/// step with its parameters (log it when a run starts). Disposing the pipeline disposes the steps that hold tensors.
/// </summary>
public sealed class AugmentationPipeline : IAugmentation, IDisposable
{
    public string Name { get; }
    public IReadOnlyList<IAugmentation> Steps { get; }
    public AugmentationDomain Domain { get; }

    public AugmentationPipeline(string name, params IAugmentation[] steps)
    {
        if (steps.Length == 0)
            throw new ArgumentException("A pipeline needs at least one step.", nameof(steps));
        var domain = steps[0].Domain;
        foreach (var s in steps)
        {
            if (s.Domain != domain)
            {
                throw new ArgumentException(
                    $"Pipeline '{name}' mixes {domain} and {s.Domain} steps ({s}).",
                    nameof(steps)
                );
            }
        }

        (Name, Steps, Domain) = (name, steps, domain);
    }

    /// <param name="x"><c>[B, T]</c> waveforms or <c>[B, n_mels, frames]</c> log-mels, per
    /// <see cref="Domain"/>.</param>
    public Tensor Apply(Tensor x, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var y = x.alias();
        foreach (var step in Steps)
            y = step.Apply(y, generator);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>State of the stateful steps, keyed "{stepIndex}.{key}" (e.g. "1.memory_bank"); empty if none.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        for (var i = 0; i < Steps.Count; i++)
        {
            if (Steps[i] is IStatefulAugmentation s)
            {
                foreach (var (k, v) in s.StateDict())
                    state[$"{i}.{k}"] = v;
            }
        }

        return state;
    }

    /// <summary>Restores <see cref="StateDict"/> output into the same pipeline layout.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, Device? device = null)
    {
        for (var i = 0; i < Steps.Count; i++)
        {
            if (Steps[i] is not IStatefulAugmentation s)
                continue;
            var prefix = $"{i}.";
            var mine = state
                .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            if (mine.Count == 0)
                throw new ArgumentException($"No saved state for step {i} ({Steps[i]}).", nameof(state));
            s.LoadStateDict(mine, device);
        }
    }

    /// <summary>Resets every stateful step.</summary>
    public void Reset()
    {
        foreach (var s in Steps.OfType<IStatefulAugmentation>())
            s.Reset();
    }

    public void Dispose()
    {
        foreach (var s in Steps.OfType<IDisposable>())
            s.Dispose();
    }

    public override string ToString()
    {
        var sb = new StringBuilder().Append(Name).Append(" (").Append(Domain).Append("):");
        foreach (var s in Steps)
            sb.Append("\n  ").Append(s);
        return sb.ToString();
    }
}
