using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Waveform;

/// <summary>
/// Band-limited rational resampling of batched waveforms by windowed-sinc interpolation (Hann-squared window,
/// 6 zero crossings, roll-off 0.99) — the same algorithm as torchaudio's default
/// <c>functional.resample(..., resampling_method="sinc_interp_hann")</c>, written here because TorchSharp 0.107.0
/// ships no torchaudio. One strided <c>conv1d</c> per call, so a whole batch is resampled at once.
/// </summary>
internal static class SincResampler
{
    private const int LowpassFilterWidth = 6;
    private const double Rolloff = 0.99;

    /// <summary>Resamples <c>[N, T]</c> from rate <paramref name="orig"/> to <paramref name="target"/>
    /// (any common unit); output <c>[N, ceil(T·target/orig)]</c>.</summary>
    public static Tensor Resample(Tensor x, int orig, int target)
    {
        if (orig <= 0 || target <= 0)
            throw new ArgumentOutOfRangeException(nameof(orig), "Rates must be positive.");
        var g = Gcd(orig, target);
        orig /= g;
        target /= g;
        if (orig == target)
            return x.alias();

        using var scope = torch.NewDisposeScope();
        long n = x.shape[0],
            length = x.shape[1];
        var (kernel, width) = Kernel(orig, target, x.dtype, x.device); // [target, 1, 2w+orig]
        var padded = nn.functional.pad(x, new long[] { width, width + orig }).unsqueeze(1); // [N, 1, T+2w+orig]
        var y = nn.functional.conv1d(padded, kernel, stride: orig); // [N, target, L]
        y = y.transpose(1, 2).reshape(n, -1); // [N, L·target]
        var outLength = (long)Math.Ceiling((double)target * length / orig);
        return y.narrow(1, 0, outLength).MoveToOuterDisposeScope();
    }

    /// <summary>Polyphase kernels: row p is the sinc filter for output phase p (output t = p/target of an input
    /// step past the strided window start).</summary>
    private static (Tensor Kernel, int Width) Kernel(int orig, int target, ScalarType dtype, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var baseFreq = Math.Min(orig, target) * Rolloff; // cut-off below the lower Nyquist (anti-aliasing)
        var width = (int)Math.Ceiling(LowpassFilterWidth * orig / baseFreq);
        var idx = torch
            .arange(Held((long)-width), Held((long)(width + orig)), Held(1L), dtype: ScalarType.Float64, device: device)
            .div(Held((double)orig)); // [K]
        var phase = torch
            .arange(Held(0L), Held((long)-target), Held(-1L), dtype: ScalarType.Float64, device: device)
            .div(Held((double)target)); // [target]
        var t = phase.unsqueeze(1).add(idx.unsqueeze(0), One) * Held(baseFreq); // [target, K]
        t = t.clamp(Held((double)-LowpassFilterWidth), Held((double)LowpassFilterWidth));
        var window = torch.cos(t * Held(Math.PI / LowpassFilterWidth / 2)).pow(Held(2.0));
        t = t * Held(Math.PI);
        var sinc = torch.where(t.eq(Held(0.0)), torch.ones_like(t), t.sin() / t);
        var kernel = (sinc * window * Held(baseFreq / orig)).unsqueeze(1).to(dtype); // [target, 1, K]
        return (kernel.MoveToOuterDisposeScope(), width);
    }

    internal static int Gcd(int a, int b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a;
    }
}
