using Emolingua.Audio;
using Emolingua.Util;
using static Emolingua.Tests.Audio.AudioTestTools;

namespace Emolingua.Tests.Audio;

/// <summary>Bad input must give one line, "FILE: problem", naming what is wrong.</summary>
public class AudioErrorTests
{
    private static void AssertFails(string path, params string[] mustMention)
    {
        foreach (var attempt in new Func<object>[] { () => AudioFile.Read(path), () => AudioFile.Probe(path) })
        {
            var e = Assert.Throws<EmolinguaException>(attempt);
            Assert.StartsWith(path + ": ", e.Message);
            Assert.Equal(path, e.File);
            Assert.DoesNotContain('\n', e.Message);
            foreach (var word in mustMention)
                Assert.Contains(word, e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static string Write(TempDir dir, string name, byte[] bytes)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void NonexistentFile()
    {
        using var dir = new TempDir();
        AssertFails(dir.File("missing.wav"), "not found");
    }

    [Fact]
    public void Directory()
    {
        using var dir = new TempDir();
        AssertFails(dir.Path, "directory");
    }

    [Fact]
    public void EmptyFile()
    {
        using var dir = new TempDir();
        AssertFails(Write(dir, "empty.wav", []), "empty");
        AssertFails(Write(dir, "empty.mp3", []), "empty");
    }

    [Fact]
    public void TruncatedHeader()
    {
        using var dir = new TempDir();
        AssertFails(Write(dir, "t1.wav", "RIFF\x10\0\0\0"u8.ToArray()), "truncated");
        AssertFails(Write(dir, "t2.wav", "RI"u8.ToArray()), "truncated");
        // fmt chunk announced with 16 bytes but cut off after 6
        AssertFails(
            Write(dir, "t3.wav", [.. "RIFF\x24\0\0\0WAVEfmt \x10\0\0\0"u8, 1, 0, 1, 0, 0x80, 0x3E]),
            "truncated"
        );
    }

    [Fact]
    public void NotRiffWave()
    {
        using var dir = new TempDir();
        AssertFails(Write(dir, "text.wav", "hello, this is not audio at all"u8.ToArray()), "not a RIFF/WAVE");
        AssertFails(
            Write(
                dir,
                "avi.wav",
                new RiffBuilder { FormType = "AVI " }
                    .Chunk("LIST", new byte[4])
                    .Build()
            ),
            "not a RIFF/WAVE",
            "AVI"
        );
    }

    [Fact]
    public void NoFmtChunk()
    {
        using var dir = new TempDir();
        AssertFails(Write(dir, "nofmt.wav", new RiffBuilder().Chunk("data", Int16Bytes(1, 2)).Build()), "no fmt chunk");
    }

    [Fact]
    public void NoDataChunk()
    {
        using var dir = new TempDir();
        AssertFails(
            Write(dir, "nodata.wav", new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("LIST", new byte[4]).Build()),
            "no data chunk"
        );
    }

    [Theory]
    [InlineData(0x0002, "ADPCM")]
    [InlineData(0x0006, "A-law")]
    [InlineData(0x0007, "mu-law")]
    [InlineData(0x0055, "MPEG Layer 3")]
    public void UnsupportedEncodingNamesTheFormatTag(int tag, string name)
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder().Fmt(tag, 1, 8000, tag == 2 ? 4 : 8).Chunk("data", new byte[64]).Build();
        AssertFails(Write(dir, "enc.wav", wav), "unsupported", $"0x{tag:X4}", name);
    }

    [Fact]
    public void UnsupportedBitDepthAndExtensibleSubFormat()
    {
        using var dir = new TempDir();
        AssertFails(
            Write(dir, "f16.wav", new RiffBuilder().Fmt(3, 1, 8000, 16).Chunk("data", new byte[4]).Build()),
            "unsupported",
            "16-bit"
        );
        AssertFails(
            Write(
                dir,
                "ext.wav",
                new RiffBuilder().FmtExtensible(2, 1, 8000, 16, 16).Chunk("data", new byte[4]).Build()
            ),
            "unsupported",
            "EXTENSIBLE",
            "ADPCM"
        );
    }

    [Fact]
    public void ZeroChannels()
    {
        using var dir = new TempDir();
        AssertFails(
            Write(
                dir,
                "zero.wav",
                new RiffBuilder().Fmt(1, 0, 16000, 16, blockAlign: 2).Chunk("data", new byte[4]).Build()
            ),
            "0 channels"
        );
    }

    [Fact]
    public void ZeroSampleRate()
    {
        using var dir = new TempDir();
        AssertFails(
            Write(dir, "rate.wav", new RiffBuilder().Fmt(1, 1, 0, 16).Chunk("data", new byte[4]).Build()),
            "sample rate"
        );
    }

    [Fact]
    public void CorruptMp3WithoutFrames()
    {
        using var dir = new TempDir();
        var noise = new byte[5000];
        new Random(3).NextBytes(noise);
        for (var i = 0; i < noise.Length; i++)
        {
            if (noise[i] == 0xFF)
                noise[i] = 0; // no sync words at all
        }

        AssertFails(Write(dir, "noise.mp3", noise), "no MPEG audio frames");
        AssertFails(
            Write(dir, "text.mp3", "ID3\x03\0\0\0\0\0\x05hello and nothing else"u8.ToArray()),
            "no MPEG audio frames"
        );
    }

    [Fact]
    public void OtherFormatWithoutFfmpegOnPath()
    {
        using var dir = new TempDir();
        var flac = dir.File("x.flac");
        File.WriteAllBytes(flac, [.. "fLaC"u8, .. new byte[100]]);
        foreach (
            var attempt in new Func<object>[]
            {
                () => AudioFile.Read(flac, searchPath: ""),
                () => AudioFile.Probe(flac, searchPath: ""),
            }
        )
        {
            var e = Assert.Throws<EmolinguaException>(attempt);
            Assert.StartsWith(flac + ": ", e.Message);
            Assert.Contains("flac", e.Message);
            Assert.Contains("needs ffmpeg on PATH", e.Message.Replace("ffprobe", "ffmpeg"));
            Assert.Contains("apt-get install ffmpeg", e.Message);
        }
    }

    [Fact]
    public void FileFfmpegCannotDecode()
    {
        using var dir = new TempDir();
        AssertFails(Write(dir, "broken.flac", [.. "fLaC"u8, .. new byte[100]]), "could not decode");
    }

    [Fact]
    public void DataChunkSizePastTheEndIsATruncatedFile()
    {
        using var dir = new TempDir();
        var wav = new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("data", Int16Bytes(1, 2, 3), sizeOverride: 1000).Build();
        AssertFails(Write(dir, "cut.wav", wav), "truncated", "1000 bytes", "holds 6");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3999)]
    [InlineData(768001)]
    public void SampleRateOutsideTheSupportedRange(int rate)
    {
        using var dir = new TempDir();
        AssertFails(
            Write(dir, "rate.wav", new RiffBuilder().Fmt(1, 1, rate, 16).Chunk("data", Int16Bytes(1, 2, 3, 4)).Build()),
            $"sample rate {rate} Hz"
        );
    }

    [Fact]
    public void AbsurdChannelCountAndBitDepth()
    {
        using var dir = new TempDir();
        AssertFails(
            Write(
                dir,
                "ch.wav",
                new RiffBuilder().Fmt(1, 513, 16000, 8, blockAlign: 513).Chunk("data", new byte[513 * 4]).Build()
            ),
            "513 channels"
        );
        AssertFails(
            Write(
                dir,
                "bits.wav",
                new RiffBuilder().Fmt(1, 1, 16000, 32, blockAlign: 2).Chunk("data", Int16Bytes(1, 2)).Build()
            ),
            "32-bit",
            "2-byte"
        );
    }

    [Fact]
    public void NonFiniteSamplesFailToReadButProbeFromTheHeader()
    {
        using var dir = new TempDir();
        var path = Write(
            dir,
            "nan.wav",
            new RiffBuilder().Fmt(3, 1, 16000, 32).Chunk("data", FloatBytes(0.1f, 0.2f, float.NaN, 0.3f)).Build()
        );
        var e = Assert.Throws<EmolinguaException>(() => AudioFile.Read(path));
        Assert.Equal($"{path}: sample 2 is NaN; the audio holds NaN or infinite values", e.Message);
        Assert.Equal(4, AudioFile.Probe(path).FrameCount);
    }

    [Fact]
    public void EmptyDataFailsToRead()
    {
        using var dir = new TempDir();
        var path = Write(dir, "empty-data.wav", new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("data", []).Build());
        var e = Assert.Throws<EmptyAudioException>(() => AudioFile.Read(path));
        Assert.Equal($"{path}: empty audio: the file holds no samples", e.Message);
    }

    [Fact]
    public void TruncatedMp3IsNamedByReadAndProbe()
    {
        using var dir = new TempDir();
        var wav = dir.File("s.wav");
        TestWav.WritePcm16Mono(wav, TestWav.Voiced(1, 16000), 16000);
        Run("ffmpeg", "-nostdin", "-v", "error", "-i", wav, "-c:a", "libmp3lame", "-b:a", "32k", dir.File("s.mp3"));
        var bytes = File.ReadAllBytes(dir.File("s.mp3"));
        AssertFails(Write(dir, "cut.mp3", bytes[..(bytes.Length * 2 / 3)]), "truncated MP3");
    }
}
