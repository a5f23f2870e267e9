using System.Collections.Concurrent;
using Emolingua.Audio;
using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Features;

/// <summary>
/// Hugging Face WhisperFeatureExtractor's log-mel applied to an S-second window (spec §1.2, §2.6 (i)): the waveform is
/// cut to its first S seconds or zero-padded at the end, then periodic Hann 400 / hop 160 centred STFT with reflect
/// padding, power spectrum, last frame dropped, Slaney mel filters, log10 with a 1e-10 floor, clamped to 8 decades
/// below the clip's own maximum, and scaled by (x + 4) / 4. Output: 100·S frames.
/// </summary>
public static class WhisperLogMel
{
    private static readonly ConcurrentDictionary<(int NMels, string Device), Tensor> FilterCache = new();
    private static readonly ConcurrentDictionary<string, Tensor> WindowCache = new();

    /// <summary>Crops/pads each 16 kHz waveform to S seconds and stacks them: [B, S·16000] on
    /// <paramref name="device"/>.</summary>
    public static Tensor Batch(IReadOnlyList<float[]> waveforms, double seconds, Device? device = null)
    {
        var n = WhisperAudio.SamplesFor(seconds);
        var windows = waveforms.Select(w => w.Length == n ? w : WaveformOps.CropOrPad(w, n)).ToList();
        return tensor(
            AudioWindows.Stack(windows, 0, windows.Count, n),
            new long[] { windows.Count, n },
            device: device
        );
    }

    /// <summary>Log-mel of a batch of 16 kHz windows. [B, N] → [B, nMels, N/160], on the input's device.</summary>
    public static Tensor Compute(Tensor waveforms, int nMels = 80)
    {
        if (waveforms.dim() != 2)
            throw new ArgumentException($"expected waveforms [B, N], got [{string.Join(", ", waveforms.shape)}]");
        if (waveforms.shape[1] <= WhisperAudio.NFft / 2)
        {
            throw new ArgumentException(
                $"a window of {waveforms.shape[1]} samples is too short for reflect padding of {WhisperAudio.NFft / 2}"
            );
        }

        using var scope = NewDisposeScope();
        var device = waveforms.device;
        var x = waveforms.dtype == ScalarType.Float32 ? waveforms : waveforms.to(ScalarType.Float32);
        var stft = torch.stft(
            x,
            WhisperAudio.NFft,
            WhisperAudio.HopLength,
            window: HannWindow(device),
            center: true,
            pad_mode: PaddingModes.Reflect,
            return_complex: true
        ); // [B, 201, 1 + N/160]
        var frames = stft.shape[2] - 1;
        var power = stft.narrow(2, 0, frames).abs().pow(Held(2.0)); // [B, 201, F]
        var mel = matmul(Filters(nMels, device), power); // [nMels, 201] @ [B, 201, F] → [B, nMels, F]
        var log = mel.clamp_min(Held(WhisperAudio.LogMelFloor)).log10();
        var clipMax = log.amax(new long[] { 1, 2 }, keepdim: true); // per clip, never per batch
        var result = maximum(log, clipMax - Held(WhisperAudio.LogMelDecades))
            .add_(Held(WhisperAudio.LogMelShift), One)
            .div_(Held(WhisperAudio.LogMelShift));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Log-mel of one 16 kHz waveform for an S-second window: [nMels, 100·S] as a plain array
    /// (row-major).</summary>
    public static float[] ComputeOne(ReadOnlySpan<float> samples, double seconds, int nMels = 80)
    {
        using var scope = NewDisposeScope();
        using var batch = Batch(new[] { samples.ToArray() }, seconds);
        return Compute(batch, nMels).data<float>().ToArray();
    }

    private static Tensor HannWindow(Device device) =>
        WindowCache.GetOrAdd(device.ToString(), _ =>
            hann_window(WhisperAudio.NFft, periodic: true, dtype: ScalarType.Float32, device: device)
                .DetachFromDisposeScope()
        );

    private static Tensor Filters(int nMels, Device device)
    {
        if (nMels is not (80 or 128))
            throw new ArgumentException($"Whisper uses 80 or 128 mel bins, not {nMels}");
        return FilterCache.GetOrAdd((nMels, device.ToString()), _ =>
            tensor(MelFilterBank.Whisper(nMels), new long[] { nMels, WhisperAudio.FrequencyBins }, device: device)
                .DetachFromDisposeScope()
        );
    }
}
