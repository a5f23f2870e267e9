using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Tests.Augmentation;

/// <summary>Synthetic inputs for the augmentation tests (no corpora).</summary>
internal static class AugmentationTestData
{
    public const int SampleRate = 16_000;

    /// <summary><c>[B, T]</c>: example b is a sine of <c>freqHz·(1 + 0.1·b)</c> with amplitude 0.5.</summary>
    public static Tensor Sines(int batch, int samples, double freqHz = 440)
    {
        var data = new float[batch * samples];
        for (var b = 0; b < batch; b++)
        {
            for (var n = 0; n < samples; n++)
                data[b * samples + n] = (float)(0.5 * Math.Sin(2 * Math.PI * freqHz * (1 + 0.1 * b) * n / SampleRate));
        }

        return torch.tensor(data, new long[] { batch, samples });
    }

    /// <summary><c>[B, n_mels, frames]</c> log-mel-like values, U(−1, 1) from a fixed seed (no ties with fill
    /// values).</summary>
    public static Tensor LogMels(int batch = 4, int nMels = 80, int frames = 300, ulong seed = 1234)
    {
        using var g = new Generator(seed);
        return torch.rand(new long[] { batch, nMels, frames }, generator: g) * 2 - 1;
    }

    public static float[] Host(Tensor t) => t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

    /// <summary>Frequency (Hz) of the largest rFFT magnitude of a 1-D float signal.</summary>
    public static double PeakHz(Tensor signal)
    {
        using var scope = torch.NewDisposeScope();
        var n = signal.shape[0];
        var magnitude = torch.fft.rfft(signal.to(ScalarType.Float64)).abs();
        var bin = magnitude.argmax().item<long>();
        return (double)bin * SampleRate / n;
    }
}
