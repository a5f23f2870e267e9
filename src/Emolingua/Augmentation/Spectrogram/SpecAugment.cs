using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Spectrogram;

/// <summary>
/// SpecAugment frequency and time masking (no time warp), with torchaudio's iid-mask semantics per example and per
/// mask: width v = U[0,1)·param, start s0 = U[0,1)·(size − v), masked band [floor(s0), floor(s0 + v)) — so every band
/// is contiguous and at most <c>param</c> wide (possibly empty). Masks of the same axis may overlap.
/// </summary>
/// <remarks>
/// <para>Time masks are additionally capped at <see cref="MaxTimeFraction"/> of the frame count (torchaudio
/// <c>TimeMasking(p=...)</c>, the "p" of the SpecAugment paper's policies): param_T = min(T,
/// floor(fraction·frames)).</para>
/// <para>Masked cells get the per-example <see cref="Fill"/> value computed on the input (default: mean; see
/// <see cref="SpectrogramFill"/> for why not 0). <see cref="P"/> decides per example whether any mask is drawn.</para>
/// </remarks>
public sealed class SpecAugment : IAugmentation
{
    public int FreqMaskParam { get; }
    public int FreqMasks { get; }
    public int TimeMaskParam { get; }
    public int TimeMasks { get; }
    public double MaxTimeFraction { get; }
    public SpectrogramFill Fill { get; }
    public double P { get; }

    /// <param name="freqMaskParam">F: maximum width of a frequency mask in mel bins.</param>
    /// <param name="freqMasks">m_F: number of frequency masks.</param>
    /// <param name="timeMaskParam">T: maximum width of a time mask in frames (10 ms each for Whisper).</param>
    /// <param name="timeMasks">m_T: number of time masks.</param>
    /// <param name="maxTimeFraction">Upper bound of a time mask as a fraction of the frames (1 = no bound).</param>
    /// <param name="fill">Value written into masked cells.</param>
    /// <param name="p">Per-example probability of masking at all.</param>
    public SpecAugment(
        int freqMaskParam = 15,
        int freqMasks = 2,
        int timeMaskParam = 40,
        int timeMasks = 2,
        double maxTimeFraction = 1.0,
        SpectrogramFill fill = SpectrogramFill.Mean,
        double p = 1.0
    )
    {
        if (freqMaskParam < 0 || timeMaskParam < 0 || freqMasks < 0 || timeMasks < 0)
            throw new ArgumentOutOfRangeException(nameof(freqMaskParam), "Mask widths and counts must be >= 0.");
        if (!(maxTimeFraction > 0 && maxTimeFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxTimeFraction), maxTimeFraction, "Must be in (0, 1].");
        Draw.CheckProbability(p);
        (FreqMaskParam, FreqMasks, TimeMaskParam, TimeMasks, MaxTimeFraction, Fill, P) = (
            freqMaskParam,
            freqMasks,
            timeMaskParam,
            timeMasks,
            maxTimeFraction,
            fill,
            p
        );
    }

    public AugmentationDomain Domain => AugmentationDomain.LogMel;

    /// <param name="x"><c>[B, n_mels, frames]</c> log-mels.</param>
    public Tensor Apply(Tensor x, Generator generator) => Draw.PerExample(Domain, x, generator, P, applied =>
        {
            long b = x.shape[0],
                nMels = x.shape[1],
                frames = x.shape[2];
            var timeParam =
                MaxTimeFraction >= 1.0
                    ? TimeMaskParam
                    : Math.Min(TimeMaskParam, (long)Math.Floor(frames * MaxTimeFraction));

            var freqMask = Bands(generator, b, nMels, FreqMaskParam, FreqMasks, x.device); // [B, F]
            var timeMask = Bands(generator, b, frames, timeParam, TimeMasks, x.device); // [B, T]
            var mask = freqMask
                .unsqueeze(2)
                .logical_or(timeMask.unsqueeze(1)) // [B, F, T]
                .logical_and(applied.reshape(b, 1, 1));
            var fillValue = FillValues.Of(x, Fill).to(x.dtype); // [B, 1, 1]
            return torch.where(mask, fillValue, x);
        });

    /// <summary>Union of <paramref name="count"/> iid bands per example along an axis of <paramref name="size"/>:
    /// bool <c>[B, size]</c>.</summary>
    internal static Tensor Bands(Generator g, long batch, long size, long param, int count, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var positions = torch.arange(Held(0L), Held(size), Held(1L), device: device).unsqueeze(0); // [1, size]
        var mask = torch.zeros(new[] { batch, size }, dtype: ScalarType.Bool, device: device); // [B, size]
        for (var m = 0; m < count; m++)
        {
            // torchaudio mask_along_axis_iid: value = rand·param; min_value = rand·(size − value).
            // [B, 1]
            var value = Draw.Uniform(g, new[] { batch, 1L }, device).to(ScalarType.Float64) * Held((double)param);
            var minValue =
                Draw.Uniform(g, new[] { batch, 1L }, device).to(ScalarType.Float64)
                * value.neg().add(Held((double)size), One);
            var start = minValue.floor().to(ScalarType.Int64);
            var end = minValue.add(value, One).floor().to(ScalarType.Int64);
            mask = mask.logical_or(positions.ge(start).logical_and(positions.lt(end)));
        }
        return mask.MoveToOuterDisposeScope();
    }

    public override string ToString() =>
        $"SpecAugment(F={FreqMaskParam}, mF={FreqMasks}, T={TimeMaskParam}, mT={TimeMasks}, "
        + $"maxTimeFraction={Draw.F(MaxTimeFraction)}, fill={Fill}, p={Draw.F(P)})";
}
