using Emolingua.Features;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Features;

public class WhisperLogMelTests
{
    public static TheoryData<string, int> FixtureCases() =>
        new()
        {
            { "burst_4s", 4 },
            { "burst_4s", 3 },
            { "chirp_1p2s", 4 },
            { "chirp_1p2s", 3 },
            { "voiced_5p5s", 4 },
            { "voiced_5p5s", 3 },
        };

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void MatchesTheNumPyReimplementationFixtureWithin1e4(string stem, int seconds)
    {
        var samples = TestWav.ReadPcm16Mono(Fixtures.Input(stem + ".wav"));
        var expected = Npy.Read(Fixtures.Expected($"logmel_{stem}_{seconds}s.npy"));
        var actual = WhisperLogMel.ComputeOne(samples, seconds);
        Assert.Equal(new long[] { 80, 100 * seconds }, expected.Shape);
        Assert.Equal(expected.Data.Length, actual.Length);
        var maxDiff = expected.Data.Zip(actual, (a, b) => MathF.Abs(a - b)).Max();
        Assert.True(maxDiff <= 1e-4f, $"max |diff| {maxDiff}");
    }

    [Fact]
    public void BatchUsesEachClipsOwnMaximum()
    {
        // A loud clip next to a quiet one: with a batch-global max the quiet clip would be clamped far more.
        var quiet = TestWav.ReadPcm16Mono(Fixtures.Input("chirp_1p2s.wav")).Select(s => s * 1e-3f).ToArray();
        var loud = TestWav.ReadPcm16Mono(Fixtures.Input("burst_4s.wav"));
        using var batch = WhisperLogMel.Batch(new[] { loud, quiet }, 3);
        using var mel = WhisperLogMel.Compute(batch);
        Assert.Equal(new long[] { 2, 80, 300 }, mel.shape);
        var alone = WhisperLogMel.ComputeOne(quiet, 3);
        var inBatch = mel[1].data<float>().ToArray();
        Assert.True(alone.Zip(inBatch, (a, b) => MathF.Abs(a - b)).Max() < 1e-5f);
        // Each clip's maximum maps to (max + 4) / 4 and the dynamic range is at most 2.0 (8 decades / 4).
        Assert.True(inBatch.Max() - inBatch.Min() <= 2.0f + 1e-5f);
    }

    [Fact]
    public void CropsLongAndPadsShortWaveformsToTheWindow()
    {
        using var batch = WhisperLogMel.Batch(new[] { new float[100_000], Enumerable.Repeat(0.5f, 10).ToArray() }, 4);
        Assert.Equal(new long[] { 2, 64_000 }, batch.shape);
        Assert.Equal(0.5f, batch[1, 9].item<float>());
        Assert.Equal(0f, batch[1, 10].item<float>());
        Assert.Equal(400, WhisperAudio.FramesFor(4));
        Assert.Equal(200, WhisperAudio.PositionsFor(4));
        Assert.Equal(150, WhisperAudio.PositionsFor(3));
    }

    [Fact]
    public void HundredTwentyEightMelsHasTheRightShape()
    {
        var samples = TestWav.Voiced(2.0, 16000);
        var mel = WhisperLogMel.ComputeOne(samples, 2, nMels: 128);
        Assert.Equal(128 * 200, mel.Length);
        Assert.Throws<ArgumentException>(() => WhisperLogMel.ComputeOne(samples, 2, nMels: 64));
    }
}
