using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Spectrogram;

/// <summary>
/// The value written where a spectrogram augmentation removes or invents content. Whisper log-mels are
/// (log10(power)+4)/4 with an 8-decade floor below each example's maximum, so 0 is NOT silence: the floor ("silence")
/// is the example's minimum, typically −0.5…−1.0, and the example's mean plays the role that 0 plays for the
/// mean-normalised features of SpecAugment and BYOL-A.
/// </summary>
public enum SpectrogramFill
{
    /// <summary>Per-example mean over (mel, frame) — what "mask with 0" means on mean-normalised features.</summary>
    Mean,

    /// <summary>Per-example minimum — the example's silence floor (Whisper's clamp at max − 8 decades).</summary>
    Min,

    /// <summary>The literal value 0 (not silence for Whisper features; provided for features that are
    /// normalised).</summary>
    Zero,
}

internal static class FillValues
{
    /// <summary>Per-example fill values <c>[B, 1, 1]</c> for <c>[B, F, T]</c> input (computed without
    /// gradient).</summary>
    public static Tensor Of(Tensor x, SpectrogramFill fill)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var b = x.shape[0];
        var flat = x.detach().reshape(b, -1); // [B, F·T]
        var v = fill switch
        {
            SpectrogramFill.Mean => flat.mean(new long[] { 1 }),
            SpectrogramFill.Min => flat.min(1).values,
            SpectrogramFill.Zero => torch.zeros(b, dtype: x.dtype, device: x.device),
            _ => throw new ArgumentOutOfRangeException(nameof(fill), fill, null),
        };
        return v.reshape(b, 1, 1).MoveToOuterDisposeScope();
    }
}
