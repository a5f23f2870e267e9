using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Augmentation;

/// <summary>Random draws shared by the augmentations: always on the generator's device, then moved to the
/// data.</summary>
internal static class Draw
{
    /// <summary>U[0, 1) of the given shape, float32, on <paramref name="device"/>.</summary>
    public static Tensor Uniform(Generator g, long[] shape, Device device) =>
        // A generator can only feed tensors on its own device, so draw there and move.
        torch.rand(shape, dtype: ScalarType.Float32, device: g.device, generator: g).to(device);

    /// <summary>U[low, high) of the given shape, float32.</summary>
    public static Tensor Uniform(Generator g, long[] shape, double low, double high, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var u = Uniform(g, shape, device);
        return (u * Held(high - low)).add(Held(low), One).MoveToOuterDisposeScope();
    }

    /// <summary>N(0, 1) of the given shape and dtype.</summary>
    public static Tensor Normal(Generator g, long[] shape, ScalarType dtype, Device device) =>
        torch.randn(shape, dtype: dtype, device: g.device, generator: g).to(device);

    /// <summary>Per-example "apply this augmentation" decisions, bool <c>[B]</c>: U[0,1) &lt; p.</summary>
    public static Tensor Applied(Generator g, long batch, double p, Device device)
    {
        using var scope = torch.NewDisposeScope();
        return Uniform(g, new[] { batch }, device).lt(Held(p)).MoveToOuterDisposeScope();
    }

    /// <summary>Host copy of a small tensor (one device sync).</summary>
    public static float[] ToHost(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    public static bool[] ToHostBool(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.cpu().contiguous().data<bool>().ToArray();
    }

    /// <summary>Amplitude factor 10^(db/20) (torch has no Scalar^Tensor overload here).</summary>
    public static Tensor DbToAmplitude(Tensor db) => torch.exp(db * Held(Math.Log(10) / 20));

    internal static void CheckProbability(double p)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in [0, 1].");
    }

    /// <summary>A dB range U(minDb, maxDb) for the per-example draws (gain, SNR).</summary>
    internal static void CheckDbRange(double minDb, double maxDb)
    {
        if (maxDb < minDb)
            throw new ArgumentException($"maxDb ({maxDb}) < minDb ({minDb}).", nameof(maxDb));
    }

    /// <summary>
    /// The opening every <see cref="IAugmentation.Apply"/> shares: checks <paramref name="x"/> has the domain's rank,
    /// opens the call's one dispose scope, draws the per-example coin flips (always the first draw, so the random
    /// stream stays the same), runs <paramref name="body"/> on them and moves its result to the caller's scope.
    /// </summary>
    /// <param name="body">Gets the decisions, bool <c>[B]</c>; returns the augmented batch.</param>
    internal static Tensor PerExample(
        AugmentationDomain domain,
        Tensor x,
        Generator g,
        double p,
        Func<Tensor, Tensor> body
    )
    {
        var (rank, what) =
            domain == AugmentationDomain.Waveform ? (2, "[B, T] waveforms") : (3, "[B, n_mels, frames] log-mels");
        if (x.dim() != rank)
        {
            throw new ArgumentException(
                $"Expected {what} (rank {rank}), got shape [{string.Join(", ", x.shape)}].",
                nameof(x)
            );
        }

        using var scope = torch.NewDisposeScope();
        var applied = Applied(g, x.shape[0], p, x.device); // [B]
        return body(applied).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="augmented"/> where <paramref name="applied"/> (bool <c>[B]</c>), else
    /// <paramref name="x"/>; both <c>[B, ...]</c>.</summary>
    internal static Tensor Select(Tensor applied, Tensor augmented, Tensor x)
    {
        var shape = new long[x.dim()]; // [B, 1, ...]
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        return torch.where(applied.reshape(shape), augmented, x);
    }

    internal static string F(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
