using Emolingua.Audio;
using static Emolingua.Tests.Audio.AudioTestTools;

namespace Emolingua.Tests.Audio;

public class WavReaderTests
{
    private static Waveform ReadBytes(TempDir dir, byte[] bytes, string name = "x.wav")
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return AudioFile.Read(path);
    }

    [Fact]
    public void Pcm16ScalesBy32768()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("data", Int16Bytes(0, 16384, -32768, 32767, -1)).Build();
        var w = ReadBytes(dir, wav);
        Assert.Equal(16000, w.SampleRate);
        Assert.Equal(new[] { 0f, 0.5f, -1f, 32767f / 32768, -1f / 32768 }, w.Samples);
    }

    [Fact]
    public void Pcm8IsUnsignedAroundMidpoint128()
    {
        using var dir = new TempDir();
        // odd size: pad byte
        var wav = new RiffBuilder().Fmt(1, 1, 8000, 8).Chunk("data", [128, 255, 0, 192, 64]).Build();
        Assert.Equal(new[] { 0f, 127f / 128, -1f, 0.5f, -0.5f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void Pcm24ScalesBy8388608()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder()
            .Fmt(1, 1, 44100, 24)
            .Chunk("data", Int24Bytes(4194304, -8388608, 1, 8388607, -2097152))
            .Build();
        Assert.Equal(new[] { 0.5f, -1f, 1f / 8388608, 8388607f / 8388608, -0.25f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void Pcm32ScalesBy2147483648()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder()
            .Fmt(1, 1, 48000, 32)
            .Chunk("data", Int32Bytes(1 << 30, int.MinValue, -(1 << 29), 0))
            .Build();
        Assert.Equal(new[] { 0.5f, -1f, -0.25f, 0f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void Float32AndFloat64AreTakenAsIs()
    {
        using var dir = new TempDir();
        var f32 = new RiffBuilder()
            .Fmt(3, 1, 22050, 32)
            .Chunk("fact", Int32Bytes(3))
            .Chunk("data", FloatBytes(0.25f, -0.75f, 1.5f))
            .Build();
        Assert.Equal(new[] { 0.25f, -0.75f, 1.5f }, ReadBytes(dir, f32, "f32.wav").Samples);
        var f64 = new RiffBuilder().Fmt(3, 1, 22050, 64).Chunk("data", DoubleBytes(0.125, -1.0, 0.1)).Build();
        Assert.Equal(new[] { 0.125f, -1f, 0.1f }, ReadBytes(dir, f64, "f64.wav").Samples);
    }

    [Fact]
    public void ExtensiblePcmAndFloatStereoAreAveraged()
    {
        using var dir = new TempDir();
        // 24-bit PCM, frames (L, R): (0.5, 0) and (-0.25, -0.75)
        var pcm = new RiffBuilder()
            .FmtExtensible(1, 2, 96000, 24, 24)
            .Chunk("data", Int24Bytes(4194304, 0, -2097152, -6291456))
            .Build();
        var w = ReadBytes(dir, pcm, "ext24.wav");
        Assert.Equal(96000, w.SampleRate);
        Assert.Equal(new[] { 0.25f, -0.5f }, w.Samples);
        // 20 valid bits in 32-bit containers are left-justified: scale by the container.
        var pcm32 = new RiffBuilder()
            .FmtExtensible(1, 1, 8000, 32, 20)
            .Chunk("data", Int32Bytes(1 << 30, int.MinValue))
            .Build();
        Assert.Equal(new[] { 0.5f, -1f }, ReadBytes(dir, pcm32, "ext20.wav").Samples);
        var flt = new RiffBuilder()
            .FmtExtensible(3, 2, 16000, 32, 32)
            .Chunk("data", FloatBytes(1f, 0f, 0.5f, 0.25f))
            .Build();
        Assert.Equal(new[] { 0.5f, 0.375f }, ReadBytes(dir, flt, "extf.wav").Samples);
    }

    [Fact]
    public void SixChannelsAreAveraged()
    {
        using var dir = new TempDir();
        short[] frame = [6000, 0, -12000, 3000, 9000, 0]; // sum 6000 -> mean 1000 -> 1000/32768
        var wav = new RiffBuilder().Fmt(1, 6, 48000, 16).Chunk("data", Int16Bytes([.. frame, .. frame])).Build();
        var w = ReadBytes(dir, wav);
        Assert.Equal(2, w.Samples.Length);
        Assert.All(w.Samples, s => Assert.Equal(1000f / 32768, s, 1e-7f));
        Assert.Equal(new AudioInfo("wav", 48000, 6, 2, 2 / 48000.0), AudioFile.Probe(dir.File("x.wav")));
    }

    [Fact]
    public void SkipsListFactUnknownAndOddSizedChunks()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder()
            .Chunk("LIST", "INFOISFT\x05\0\0\0abcd\0\0"u8.ToArray())
            .Chunk("junk", [1, 2, 3]) // odd size, padded
            .Fmt(1, 1, 16000, 16)
            .Chunk("fact", Int32Bytes(2))
            .Chunk("bext", new byte[7]) // odd size, padded
            .Chunk("data", Int16Bytes(8192, -8192))
            .Chunk("LIST", new byte[5]) // after the data
            .Build();
        Assert.Equal(new[] { 0.25f, -0.25f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void OddChunkWithoutItsPadByteIsTolerated()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder()
            .Chunk("abcd", [9, 9, 9], pad: false)
            .Fmt(1, 1, 16000, 16)
            .Chunk("data", Int16Bytes(16384))
            .Build();
        Assert.Equal(new[] { 0.5f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void DataChunkBeforeFmtChunk()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder().Chunk("data", Int16Bytes(-16384, 16384)).Fmt(1, 1, 11025, 16).Build();
        var w = ReadBytes(dir, wav);
        Assert.Equal(11025, w.SampleRate);
        Assert.Equal(new[] { -0.5f, 0.5f }, w.Samples);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(12345u)]
    public void WrongRiffSizeIsIgnored(uint riffSize)
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder { RiffSizeOverride = riffSize }
            .Fmt(1, 1, 16000, 16)
            .Chunk("data", Int16Bytes(16384, -16384, 8192))
            .Build();
        Assert.Equal(new[] { 0.5f, -0.5f, 0.25f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void StreamingDataSizeReadsWhatIsThere()
    {
        using var dir = new TempDir();
        // 0xFFFFFFFF: a streaming writer's "unknown"; 3 whole frames plus one stray byte of a fourth
        var wav = new RiffBuilder()
            .Fmt(1, 1, 16000, 16)
            .Chunk("data", [.. Int16Bytes(16384, -16384, 8192), 0x11], sizeOverride: 0xFFFFFFFF, pad: false)
            .Build();
        Assert.Equal(new[] { 0.5f, -0.5f, 0.25f }, ReadBytes(dir, wav).Samples);
        Assert.Equal(3, AudioFile.Probe(dir.File("x.wav")).FrameCount);
    }

    [Fact]
    public void Rf64TakesTheDataSizeFromTheDs64Chunk()
    {
        using var dir = new TempDir();
        var ds64 = new byte[28];
        BitConverter.TryWriteBytes(ds64.AsSpan(8), 4L); // data size: 4 bytes = 2 samples; what follows is not audio
        var wav = new RiffBuilder { Id = "RF64", RiffSizeOverride = 0xFFFFFFFF }
            .Chunk("ds64", ds64)
            .Fmt(1, 1, 16000, 16)
            .Chunk("data", Int16Bytes(16384, -8192, 12345, 999), sizeOverride: 0xFFFFFFFF)
            .Build();
        Assert.Equal(new[] { 0.5f, -0.25f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void StreamedHeaderWithZeroSizesReadsToTheEnd()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder { RiffSizeOverride = 0 }
            .Fmt(1, 1, 16000, 16)
            .Chunk("data", Int16Bytes(16384, 8192), sizeOverride: 0)
            .Build();
        Assert.Equal(new[] { 0.5f, 0.25f }, ReadBytes(dir, wav).Samples);
    }

    [Fact]
    public void EmptyDataChunkProbesAsZeroFrames()
    {
        // Probing (corpus duration filters) reports it; reading it is an error (AudioErrorTests.EmptyDataChunk).
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("x.wav"), new RiffBuilder().Fmt(1, 2, 16000, 16).Chunk("data", []).Build());
        Assert.Equal(new AudioInfo("wav", 16000, 2, 0, 0), AudioFile.Probe(dir.File("x.wav")));
    }

    [Fact]
    public void ProbeReadsTheHeaderOnly()
    {
        using var dir = new TempDir();
        var path = dir.File("x.wav");
        // 2 s of 44.1 kHz stereo 24-bit, but the data is all zeros we never need to look at
        var wav = new RiffBuilder().Fmt(1, 2, 44100, 24).Chunk("data", new byte[2 * 44100 * 6]).Build();
        File.WriteAllBytes(path, wav);
        Assert.Equal(new AudioInfo("wav", 44100, 2, 88200, 2.0), AudioFile.Probe(path));
    }

    [Theory]
    [InlineData("-b", "8", "-e", "unsigned-integer")]
    [InlineData("-b", "16", "-e", "signed-integer")]
    [InlineData("-b", "24", "-e", "signed-integer")]
    [InlineData("-b", "32", "-e", "signed-integer")]
    [InlineData("-b", "32", "-e", "floating-point")]
    [InlineData("-b", "64", "-e", "floating-point")]
    public void MatchesSoxDecodeOfSoxWrittenStereoFiles(params string[] encoding)
    {
        using var dir = new TempDir();
        var path = dir.File("sox.wav");
        Run(
            "sox",
            [
                "-n",
                "-r",
                "44100",
                "-c",
                "2",
                .. encoding,
                path,
                "synth",
                "0.25",
                "sine",
                "440",
                "sine",
                "3000",
                "vol",
                "0.7",
            ]
        );
        var interleaved = Floats(Run("sox", path, "-t", "f32", "-"));
        var expected = new float[interleaved.Length / 2];
        for (var i = 0; i < expected.Length; i++)
            expected[i] = (interleaved[2 * i] + interleaved[2 * i + 1]) / 2;

        var w = AudioFile.Read(path);
        Assert.Equal(44100, w.SampleRate);
        Assert.True(MaxAbsDiff(expected, w.Samples) < 1e-6f);
        var info = AudioFile.Probe(path);
        Assert.Equal(
            ("wav", 44100, 2, (long)expected.Length),
            (info.Format, info.SampleRate, info.Channels, info.FrameCount)
        );
    }

    [Fact]
    public void ReadWithTargetRateResamples()
    {
        using var dir = new TempDir();
        var path = dir.File("tone.wav");
        Run("sox", "-n", "-r", "48000", "-c", "1", "-b", "16", path, "synth", "1.0", "sine", "1000", "vol", "0.5");
        var w = AudioFile.Read(path, 16000);
        Assert.Equal(16000, w.SampleRate);
        Assert.Equal(16000, w.Samples.Length);
        for (var i = 800; i < 15200; i++)
            Assert.Equal(0.5 * Math.Sin(2 * Math.PI * 1000 * i / 16000), w.Samples[i], 1e-3);
        Assert.Equal(48000, AudioFile.Read(path, 48000).Samples.Length);
    }
}
