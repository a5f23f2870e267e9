using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Models;

public class WhisperEncoderTests
{
    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    [Theory]
    [InlineData("burst_4s", 4)]
    [InlineData("chirp_1p2s", 4)]
    [InlineData("voiced_5p5s", 4)]
    [InlineData("burst_4s", 3)]
    [InlineData("chirp_1p2s", 3)]
    [InlineData("voiced_5p5s", 3)]
    public void PooledOutputMatchesFixture(string stem, int seconds)
    {
        var checkpoint = WhisperCheckpoint.Resolve(Fixtures.TinyModel);
        using var encoder = checkpoint.LoadEncoder(WhisperAudio.PositionsFor(seconds));
        var samples = TestWav.ReadPcm16Mono(Fixtures.Input(stem + ".wav"));
        using var noGrad = no_grad();
        using var batch = WhisperLogMel.Batch(new[] { samples }, seconds);
        using var mel = WhisperLogMel.Compute(batch);
        using var pooled = encoder.Embed(mel);
        var expected = Npy.Read(Fixtures.Expected($"pooled_{stem}_{seconds}s.npy"));
        Assert.Equal(new long[] { 1, 64 }, pooled.shape);
        Assert.True(MaxAbsDiff(expected.Data, pooled.data<float>().ToArray()) <= 1e-4f);
    }

    [Theory]
    [InlineData("burst_4s")]
    [InlineData("chirp_1p2s")]
    [InlineData("voiced_5p5s")]
    public void HiddenStatesMatchFixtureInABatch(string stem)
    {
        // All three clips in one batch: each row must equal its fixture (per-clip max, no cross-talk).
        string[] stems = { "burst_4s", "chirp_1p2s", "voiced_5p5s" };
        using var encoder = WhisperCheckpoint.Resolve(Fixtures.TinyModel).LoadEncoder(200);
        using var noGrad = no_grad();
        using var batch = WhisperLogMel.Batch(
            stems.Select(s => TestWav.ReadPcm16Mono(Fixtures.Input(s + ".wav"))).ToList(),
            4
        );
        using var hidden = encoder.forward(WhisperLogMel.Compute(batch));
        Assert.Equal(new long[] { 3, 200, 64 }, hidden.shape);
        var expected = Npy.Read(Fixtures.Expected($"hidden_{stem}_4s.npy"));
        var row = hidden[Array.IndexOf(stems, stem)].data<float>().ToArray();
        Assert.True(MaxAbsDiff(expected.Data, row) <= 1e-4f);
    }

    [Fact]
    public void SinusoidsMatchSpecValues()
    {
        using var pe = WhisperEncoder.Sinusoids(11, 768);
        Assert.Equal(0.8414709848f, pe[1, 0].item<float>(), 6);
        Assert.Equal(0.8283965177f, pe[1, 1].item<float>(), 6);
        Assert.Equal(0.8151815125f, pe[1, 2].item<float>(), 6);
        Assert.Equal(0.5403023059f, pe[1, 384].item<float>(), 6);
        Assert.Equal(0.0009999998f, pe[10, 383].item<float>(), 6);
        Assert.Equal(0.9999995000f, pe[10, 767].item<float>(), 6);
    }

    [Fact]
    public void ParameterNamesAreHuggingFaceNames()
    {
        using var encoder = new WhisperEncoder(WhisperConfig.ForSize("small"), 200);
        var names = encoder.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("conv1.weight", names);
        Assert.Contains("embed_positions.weight", names);
        Assert.Contains("layers.11.self_attn.q_proj.bias", names);
        Assert.Contains("layers.0.self_attn_layer_norm.weight", names);
        Assert.Contains("layer_norm.bias", names);
        Assert.DoesNotContain("layers.0.self_attn.k_proj.bias", names);
        // spec §2.4: 87,002,112 encoder parameters without the positional table, plus 200×768 rows after a 4 s crop.
        var count = encoder.parameters().Sum(p => p.numel());
        Assert.Equal(87_002_112L + 200 * 768, count);
    }

    [Fact]
    public void FreezeFrontEndFreezesConvsAndPositionsOnly()
    {
        using var encoder = new WhisperEncoder(new WhisperConfig(64, 2, 4, 256), 150);
        encoder.FreezeFrontEnd();
        foreach (var (name, p) in encoder.named_parameters())
        {
            Assert.Equal(
                !(name.StartsWith("conv1") || name.StartsWith("conv2") || name.StartsWith("embed_positions")),
                p.requires_grad
            );
        }
    }

    [Fact]
    public void RejectsWrongInputLength()
    {
        using var encoder = new WhisperEncoder(new WhisperConfig(64, 1, 4, 256), 150);
        using var mel = zeros(1, 80, 400);
        var e = Assert.Throws<ArgumentException>(() => encoder.forward(mel));
        Assert.Contains("300", e.Message);
    }
}
