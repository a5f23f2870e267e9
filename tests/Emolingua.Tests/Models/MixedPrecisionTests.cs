using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Models;

/// <summary>
/// The encoder's bf16 mode on tiny shapes. It runs on every machine: libtorch computes bfloat16 correctly without
/// native support (only slowly), so the numerics are checked everywhere; only the speed needs avx512_bf16.
/// </summary>
public class MixedPrecisionTests
{
    private static float MaxAbs(float[] a) => a.Max(MathF.Abs);

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    [Theory]
    [InlineData("voiced_5p5s")]
    [InlineData("chirp_1p2s")]
    public void Bf16HiddenStatesMatchTheFixtureWithinBfloat16Precision(string stem)
    {
        // The fixture is regenerate.py's float64 re-implementation of HF's encoder, stored as float32. bfloat16 keeps 8
        // significant bits (relative step 2^-8 = 0.4 %), so each product is off by a few tenths of a percent; through 2
        // convolutions and 2 blocks into a final
        // LayerNorm (outputs of order 1) that stays within a few hundredths.
        using var encoder = WhisperCheckpoint.Resolve(Fixtures.TinyModel).LoadEncoder(200);
        encoder.Precision = Precision.Bf16;
        using var noGrad = no_grad();
        using var batch = WhisperLogMel.Batch(new[] { TestWav.ReadPcm16Mono(Fixtures.Input(stem + ".wav")) }, 4);
        using var mel = WhisperLogMel.Compute(batch);
        using var hidden = encoder.forward(mel);
        Assert.Equal(ScalarType.Float32, hidden.dtype);
        var expected = Npy.Read(Fixtures.Expected($"hidden_{stem}_4s.npy")).Data;
        var actual = hidden[0].data<float>().ToArray();
        float diff = MaxAbsDiff(expected, actual),
            scale = MaxAbs(expected);
        Assert.True(diff <= 0.05f * scale, $"bf16 off by {diff} (scale {scale})");
        // ... and the products really ran in bf16: fp32 matches the fixture within 1e-4.
        Assert.True(diff > 1e-3f, $"bf16 forward equals fp32 within {diff}: the casts did not happen");
        double meanRelative =
            expected.Zip(actual, (e, a) => Math.Abs(e - a)).Average() / expected.Average(e => Math.Abs(e));
        Assert.True(meanRelative < 0.02, $"mean relative error {meanRelative}");
    }

    [Fact]
    public void Bf16TrainingKeepsFp32MasterWeightsAndGradientsCloseToFp32()
    {
        var config = new WhisperConfig(64, 2, 4, 128, 80);
        using var mel = MelBatch(config, 4, 50);
        using var labels = tensor(new long[] { 0, 1, 2, 3 });
        var (fp32Grads, fp32Loss) = Gradients(config, Precision.Fp32, mel, labels);
        var (bf16Grads, bf16Loss) = Gradients(config, Precision.Bf16, mel, labels);
        Assert.Equal(fp32Loss, bf16Loss, 0.02);
        Assert.NotEqual(fp32Loss, bf16Loss); // bf16 computed something different
        foreach (var (name, g32) in fp32Grads)
        {
            var g16 = bf16Grads[name];
            var dot = g32.Zip(g16, (a, b) => (double)a * b).Sum();
            var norms = Math.Sqrt(g32.Sum(a => (double)a * a) * g16.Sum(b => (double)b * b));
            if (norms == 0)
                continue; // frozen parts and unused biases
            Assert.True(dot / norms > 0.98, $"{name}: gradient cosine {dot / norms}");
        }
    }

    [Fact]
    public void Bf16LeavesParametersAndStateDictFp32()
    {
        using var encoder = new WhisperEncoder(new WhisperConfig(64, 1, 4, 128, 80), 25) { Precision = Precision.Bf16 };
        using var mel = MelBatch(encoder.Config, 2, 25);
        using (var h = encoder.forward(mel))
            Assert.Equal(ScalarType.Float32, h.dtype);
        Assert.All(encoder.state_dict().Values, t => Assert.Equal(ScalarType.Float32, t.dtype));
    }

    private static Tensor MelBatch(WhisperConfig config, int batch, int positions)
    {
        random.manual_seed(11);
        return randn(batch, config.NumMelBins, 2 * positions); // [B, n_mels, frames]
    }

    private static (Dictionary<string, float[]> Grads, double Loss) Gradients(
        WhisperConfig config,
        Precision precision,
        Tensor mel,
        Tensor labels
    )
    {
        random.manual_seed(5);
        using var encoder = new WhisperEncoder(config, (int)mel.shape[2] / 2) { Precision = precision };
        encoder.FreezeFrontEnd();
        using var model = new EmotionClassifier(encoder, 4, 32, dropoutRate: 0);
        using var scope = NewDisposeScope();
        var loss = nn.functional.cross_entropy(model.forward(mel), labels);
        loss.backward();
        var grads = model
            .named_parameters()
            .Where(p => p.parameter.grad is not null)
            .ToDictionary(
                p => p.name,
                p =>
                {
                    Assert.Equal(ScalarType.Float32, p.parameter.dtype);
                    Assert.Equal(ScalarType.Float32, p.parameter.grad!.dtype);
                    return p.parameter.grad!.data<float>().ToArray();
                }
            );
        return (grads, loss.item<float>());
    }
}
