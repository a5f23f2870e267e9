using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Spectrogram;

/// <summary>
/// Stretches the mel (frequency) axis by a factor s ~ U(<see cref="MinFactor"/>, <see cref="MaxFactor"/>) per
/// example, keeping the shape: out[m] = x[m / s] by linear interpolation between mel bins, anchored at bin 0 (like
/// vocal-tract-length perturbation). s &gt; 1 moves content up (the top is cut off); s &lt; 1 moves it down, and bins
/// whose source lies above the top bin repeat the top bin (the spectral tail is unknown; repeating the edge avoids
/// inventing a silent band). Interpolation is done on the log-mel values.
/// </summary>
/// <remarks>The paper names "spectral stretch" without defining it; this is our definition (spec §6.2).</remarks>
public sealed class SpectralStretch : IAugmentation
{
    public double MinFactor { get; }
    public double MaxFactor { get; }
    public double P { get; }

    public SpectralStretch(double minFactor = 0.9, double maxFactor = 1.1, double p = 0.5)
    {
        if (!(minFactor > 0 && maxFactor >= minFactor))
        {
            throw new ArgumentOutOfRangeException(
                nameof(minFactor),
                $"Need 0 < minFactor <= maxFactor, got {minFactor}, {maxFactor}."
            );
        }

        Draw.CheckProbability(p);
        (MinFactor, MaxFactor, P) = (minFactor, maxFactor, p);
    }

    public AugmentationDomain Domain => AugmentationDomain.LogMel;

    /// <param name="x"><c>[B, n_mels, frames]</c> log-mels.</param>
    public Tensor Apply(Tensor x, Generator generator) => Draw.PerExample(Domain, x, generator, P, applied =>
        {
            var factor = Draw.Uniform(generator, new[] { x.shape[0], 1L }, MinFactor, MaxFactor, x.device); // [B, 1]
            return StretchMel(x, Draw.Select(applied, factor, torch.ones_like(factor)));
        });

    /// <summary>Deterministic core: stretches <c>[B, F, T]</c> by <paramref name="factor"/> <c>[B, 1]</c>.</summary>
    internal static Tensor StretchMel(Tensor x, Tensor factor)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0],
            nMels = x.shape[1],
            frames = x.shape[2];
        var bins = torch
            .arange(Held(0L), Held(nMels), Held(1L), dtype: ScalarType.Float32, device: x.device)
            .unsqueeze(0); // [1, F]
        var source = (bins / factor.to(ScalarType.Float32)).clamp(Held(0.0), Held((double)(nMels - 1))); // [B, F]
        var lower = source.floor().to(ScalarType.Int64); // [B, F]
        var upper = lower.add(Held(1L), One).clamp_max(Held(nMels - 1));
        var weight = (source - lower.to(ScalarType.Float32)).to(x.dtype).unsqueeze(2); // [B, F, 1]
        var lo = x.gather(1, lower.unsqueeze(2).expand(b, nMels, frames)); // [B, F, T]
        var hi = x.gather(1, upper.unsqueeze(2).expand(b, nMels, frames));
        return lo.add((hi - lo) * weight, One).MoveToOuterDisposeScope();
    }

    public override string ToString() =>
        $"SpectralStretch(minFactor={Draw.F(MinFactor)}, maxFactor={Draw.F(MaxFactor)}, p={Draw.F(P)})";
}
