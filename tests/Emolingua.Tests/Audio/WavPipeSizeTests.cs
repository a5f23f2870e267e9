using Emolingua.Audio;
using Emolingua.Util;
using static Emolingua.Tests.Audio.AudioTestTools;

namespace Emolingua.Tests.Audio;

/// <summary>A writer on a pipe cannot seek back to fill in its sizes (espeak-ng --stdout leaves 0x7FFFF000).</summary>
public class WavPipeSizeTests
{
    private static byte[] EspeakLikeWav() =>
        new RiffBuilder { RiffSizeOverride = 0x7FFFF024 }
            .Fmt(1, 1, 22050, 16)
            .Chunk("data", Int16Bytes(16384, -8192, 32767), sizeOverride: 0x7FFFF000)
            .Build();

    [Fact]
    public void DataRunsToEndReadsEverythingAfterThePlaceholderSize()
    {
        using var stream = new MemoryStream(EspeakLikeWav());
        var w = WavReader.Read("espeak-ng", stream, dataRunsToEnd: true);
        Assert.Equal(22050, w.SampleRate);
        Assert.Equal(new[] { 0.5f, -0.25f, 32767f / 32768 }, w.Samples);
    }

    [Fact]
    public void WithoutDataRunsToEndThePlaceholderSizeIsATruncatedFile()
    {
        using var stream = new MemoryStream(EspeakLikeWav());
        var e = Assert.Throws<EmolinguaException>(() => WavReader.Read("x.wav", stream));
        Assert.Contains("truncated WAV: the data chunk declares 2147479552 bytes, the file holds 6", e.Message);
    }
}
