using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Spectrogram;

/// <summary>
/// BYOL-A's <c>RandomResizeCrop(virtual_crop_scale, freq_scale, time_scale)</c>: the log-mel is pasted at the centre
/// of a larger virtual canvas (F·vF × T·vT), a random crop of h = int(U(freq_scale)·F) bins × w = int(U(time_scale)·T)
/// frames (clipped to the canvas) is taken at a uniformly random offset, and resized back to F × T with bicubic
/// interpolation, align_corners = true. Draws are per example.
/// </summary>
/// <remarks>
/// BYOL-A pads the canvas with 0, which is the mean of its normalised features. Whisper features are not normalised,
/// so the canvas is filled with the per-example <see cref="Fill"/> value instead — by default the minimum, i.e. the
/// example's silence floor, so a crop reaching past the utterance sees silence, as it would in the audio.
/// Random draws per call, in order: apply decisions U[B], then U[B, 4] for (h, w, i, j).
/// </remarks>
public sealed class RandomResizeCrop : IAugmentation
{
    public (double Freq, double Time) VirtualCropScale { get; }
    public (double Min, double Max) FreqScale { get; }
    public (double Min, double Max) TimeScale { get; }
    public SpectrogramFill Fill { get; }
    public double P { get; }

    /// <param name="virtualCropScale">Canvas size relative to the input (freq, time); BYOL-A (1.0, 1.5).</param>
    /// <param name="freqScale">Range of the crop height relative to n_mels; BYOL-A (0.6, 1.5).</param>
    /// <param name="timeScale">Range of the crop width relative to frames; BYOL-A (0.6, 1.5).</param>
    /// <param name="fill">Canvas value outside the input.</param>
    /// <param name="p">Per-example probability (BYOL-A: always).</param>
    public RandomResizeCrop(
        (double Freq, double Time)? virtualCropScale = null,
        (double Min, double Max)? freqScale = null,
        (double Min, double Max)? timeScale = null,
        SpectrogramFill fill = SpectrogramFill.Min,
        double p = 1.0
    )
    {
        VirtualCropScale = virtualCropScale ?? (1.0, 1.5);
        FreqScale = freqScale ?? (0.6, 1.5);
        TimeScale = timeScale ?? (0.6, 1.5);
        if (VirtualCropScale.Freq < 1 || VirtualCropScale.Time < 1)
            throw new ArgumentOutOfRangeException(nameof(virtualCropScale), "Virtual crop scales must be >= 1.");
        if (
            !(FreqScale.Min > 0 && FreqScale.Max >= FreqScale.Min)
            || !(TimeScale.Min > 0 && TimeScale.Max >= TimeScale.Min)
        )
        {
            throw new ArgumentOutOfRangeException(nameof(freqScale), "Scale ranges need 0 < min <= max.");
        }

        Draw.CheckProbability(p);
        Fill = fill;
        P = p;
    }

    public AugmentationDomain Domain => AugmentationDomain.LogMel;

    /// <param name="x"><c>[B, n_mels, frames]</c> log-mels.</param>
    public Tensor Apply(Tensor x, Generator generator) => Draw.PerExample(Domain, x, generator, P, appliedMask =>
        {
            long b = x.shape[0],
                f = x.shape[1],
                t = x.shape[2];
            var applied = Draw.ToHostBool(appliedMask);
            var u = Draw.ToHost(Draw.Uniform(generator, new[] { b, 4L }, x.device)); // [B·4] on host

            long canvasF = (long)(f * VirtualCropScale.Freq),
                canvasT = (long)(t * VirtualCropScale.Time);
            long y0 = (canvasF - f) / 2,
                x0 = (canvasT - t) / 2;
            var fill = FillValues.Of(x, Fill).to(x.dtype); // [B, 1, 1]
            var canvas = fill.expand(b, canvasF, canvasT).clone(); // [B, cF, cT]
            canvas.narrow(1, y0, f).narrow(2, x0, t).copy_(x);

            var outputs = new Tensor[b];
            for (var k = 0; k < b; k++)
            {
                if (!applied[k])
                {
                    outputs[k] = x[k];
                    continue;
                }
                // BYOL-A: int(uniform(lo, hi) · size) clipped to [1, canvas]; offsets randint(0, canvas − extent)
                // inclusive.
                var h = Math.Clamp((long)(Lerp(FreqScale, u[4 * k]) * f), 1, canvasF);
                var w = Math.Clamp((long)(Lerp(TimeScale, u[4 * k + 1]) * t), 1, canvasT);
                var i = Math.Min((long)(u[4 * k + 2] * (canvasF - h + 1)), canvasF - h);
                var j = Math.Min((long)(u[4 * k + 3] * (canvasT - w + 1)), canvasT - w);
                var crop = canvas[k].narrow(0, i, h).narrow(1, j, w).unsqueeze(0).unsqueeze(0); // [1, 1, h, w]
                outputs[k] = nn.functional.interpolate(
                    crop,
                    size: new[] { f, t },
                    mode: InterpolationMode.Bicubic,
                    align_corners: true
                )[0, 0]; // [F, T]
            }
            return torch.stack(outputs);
        });

    private static double Lerp((double Min, double Max) range, float u) => range.Min + (range.Max - range.Min) * u;

    public override string ToString() =>
        $"RandomResizeCrop(virtualCropScale=({Draw.F(VirtualCropScale.Freq)}, {Draw.F(VirtualCropScale.Time)}), "
        + $"freqScale=({Draw.F(FreqScale.Min)}, {Draw.F(FreqScale.Max)}), timeScale=({Draw.F(TimeScale.Min)}, {Draw.F(TimeScale.Max)}), "
        + $"fill={Fill}, p={Draw.F(P)})";
}
