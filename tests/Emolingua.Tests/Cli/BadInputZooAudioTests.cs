using System.Buffers.Binary;
using static Emolingua.Tests.Audio.AudioTestTools;
using static Emolingua.Tests.Cli.CliHarness;

namespace Emolingua.Tests.Cli;

/// <summary>The bad-input zoo, audio files: what <c>features</c> and <c>embed</c> refuse, each with its whole error
/// line.</summary>
public class BadInputZooAudioTests(TinyBundleFixture bundle) : BadInputZoo, IClassFixture<TinyBundleFixture>
{
    private const string RateOutsideRange =
        "Hz is outside 4000–768000 Hz (the header is wrong, or this is not speech audio)";
    private const string NonFinite = "the audio holds NaN or infinite values";

    private static byte[] Pcm16(int n = 1600) =>
        Int16Bytes(Enumerable.Range(0, n).Select(i => (short)(8000 * Math.Sin(i * 0.05))).ToArray());

    private static float[] Tone(int n = 1600) =>
        Enumerable.Range(0, n).Select(i => (float)(0.3 * Math.Sin(i * 0.05))).ToArray();

    public static TheoryData<string> AudioKinds() =>
        [
            "missing file",
            "directory",
            "empty file",
            "text named .wav",
            "header cut inside fmt",
            "data chunk empty",
            "NaN float samples",
            "infinite float samples",
            "float64 samples beyond float32",
            "sample rate 1 Hz",
            "sample rate 0",
            "sample rate 2^31-1",
            "0 channels",
            "65535 channels",
            "bit depth larger than its container",
            "bit depth 0",
            "A-law encoding",
            "data chunk size past the end",
            "no data chunk",
            "MP3 cut inside a frame",
            "MP3 cut at a frame boundary (Xing count)",
            "ID3 tag and no MP3 frames",
            "FLAC cut short",
            "amplitudes that overflow the log-mel",
        ];

    /// <summary>A bad audio file of the given kind and the problem its error line states after "error: PATH:
    /// ".</summary>
    private (string Path, string Problem) BadAudio(string kind)
    {
        var pcm = Pcm16();
        var floats = Tone();
        RiffBuilder Pcm16Fmt() => new RiffBuilder().Fmt(1, 1, 16000, 16);
        RiffBuilder FloatFmt(int bits) => new RiffBuilder().Fmt(3, 1, 16000, bits);
        switch (kind)
        {
            case "missing file":
                return (Dir.File("missing.wav"), "file not found");
            case "directory":
                Directory.CreateDirectory(Dir.File("folder.wav"));
                return (Dir.File("folder.wav"), "is a directory, not an audio file");
            case "empty file":
                return (Write("empty.wav", []), "empty file (0 bytes)");
            case "text named .wav":
                return (
                    Write("text.wav", "just some text, not audio\n"u8.ToArray()),
                    "not a RIFF/WAVE file (no 'RIFF' at the start)"
                );
            case "header cut inside fmt":
                return (
                    Write("cut.wav", Pcm16Fmt().Chunk("data", pcm).Build()[..30]),
                    "truncated WAV header (fmt chunk cut off)"
                );
            case "data chunk empty":
                return (
                    Write("nodata.wav", Pcm16Fmt().Chunk("data", []).Build()),
                    "empty audio: the file holds no samples"
                );
            case "NaN float samples":
                floats[700] = float.NaN;
                return (
                    Write("nan.wav", FloatFmt(32).Chunk("data", FloatBytes(floats)).Build()),
                    $"sample 700 is NaN; {NonFinite}"
                );
            case "infinite float samples":
                floats[5] = float.NegativeInfinity;
                return (
                    Write("inf.wav", FloatFmt(32).Chunk("data", FloatBytes(floats)).Build()),
                    $"sample 5 is -infinity; {NonFinite}"
                );
            case "float64 samples beyond float32":
                var doubles = floats.Select(f => (double)f).ToArray();
                doubles[9] = 1e300;
                return (
                    Write("f64.wav", FloatFmt(64).Chunk("data", DoubleBytes(doubles)).Build()),
                    $"sample 9 is +infinity; {NonFinite}"
                );
            case "sample rate 1 Hz":
                return (
                    Write("rate1.wav", new RiffBuilder().Fmt(1, 1, 1, 16).Chunk("data", pcm).Build()),
                    $"sample rate 1 {RateOutsideRange}"
                );
            case "sample rate 0":
                return (
                    Write("rate0.wav", new RiffBuilder().Fmt(1, 1, 0, 16).Chunk("data", pcm).Build()),
                    $"sample rate 0 {RateOutsideRange}"
                );
            case "sample rate 2^31-1":
                return (
                    Write("ratemax.wav", new RiffBuilder().Fmt(1, 1, int.MaxValue, 16).Chunk("data", pcm).Build()),
                    $"sample rate 2147483647 {RateOutsideRange}"
                );
            case "0 channels":
                return (
                    Write("ch0.wav", new RiffBuilder().Fmt(1, 0, 16000, 16, blockAlign: 2).Chunk("data", pcm).Build()),
                    "WAV header says 0 channels"
                );
            case "65535 channels":
                return (
                    Write(
                        "ch65535.wav",
                        new RiffBuilder().Fmt(1, 65535, 16000, 16, blockAlign: 65534).Chunk("data", pcm).Build()
                    ),
                    "WAV header says 65535 channels (more than 512: the header is wrong)"
                );
            case "bit depth larger than its container":
                return (
                    Write(
                        "bits24.wav",
                        new RiffBuilder().Fmt(1, 1, 16000, 24, blockAlign: 2).Chunk("data", pcm).Build()
                    ),
                    "WAV header says 24-bit samples, which do not fit its 2-byte containers (block align 2 for 1 channel(s))"
                );
            case "bit depth 0":
                return (
                    Write("bits0.wav", new RiffBuilder().Fmt(1, 1, 16000, 0, blockAlign: 2).Chunk("data", pcm).Build()),
                    "WAV header says 0-bit samples (the header is wrong)"
                );
            case "A-law encoding":
                return (
                    Write("alaw.wav", new RiffBuilder().Fmt(6, 1, 8000, 8).Chunk("data", pcm).Build()),
                    "unsupported WAV encoding: format tag 0x0006 (A-law); supported are PCM 8/16/24/32-bit and IEEE float 32/64-bit (convert with: ffmpeg -i IN -c:a pcm_s16le OUT.wav)"
                );
            case "data chunk size past the end":
                return (
                    Write("past.wav", Pcm16Fmt().Chunk("data", pcm, sizeOverride: 1_000_000).Build()),
                    $"truncated WAV: the data chunk declares 1000000 bytes, the file holds {pcm.Length}"
                );
            case "no data chunk":
                return (
                    Write("nodatachunk.wav", Pcm16Fmt().Chunk("LIST", new byte[4]).Build()),
                    "no data chunk (not a valid WAV file)"
                );
            case "MP3 cut inside a frame":
            {
                const int cut = 3001;
                var (start, length) = Mp3Frames(Mp3Bytes()).First(f => f.Start + f.Length > cut);
                return (
                    Write("cut.mp3", Mp3Bytes()[..cut]),
                    $"truncated MP3: the frame at byte {start} needs {length} bytes, the file ends after {cut - start}"
                );
            }
            case "MP3 cut at a frame boundary (Xing count)":
            {
                var mp3 = Mp3Bytes();
                var (start, length) = Mp3Frames(mp3).ElementAt(10); // the Xing frame and 10 audio frames
                return (
                    Write("cutframe.mp3", mp3[..(start + length)]),
                    $"truncated MP3: its Xing/Info header announces {XingFrameCount(mp3)} frames, the file holds 10"
                );
            }
            case "ID3 tag and no MP3 frames":
                return (
                    Write("tagonly.mp3", "ID3\x03\0\0\0\0\0\x05hello"u8.ToArray()),
                    "corrupt or not an MP3 file: no MPEG audio frames found"
                );
            case "FLAC cut short":
                var flac = Write("cut.flac", FlacBytes()[..3000]);
                // ffmpeg's own last line names the file
                return (flac, $"ffmpeg could not decode it: {flac}: End of file");
            case "amplitudes that overflow the log-mel":
                // Sample 0 is 0; sample 1 is 0.3 sin(0.05) · 1e30 = 1.499e28.
                return (
                    Write(
                        "loud.wav",
                        FloatFmt(32).Chunk("data", FloatBytes(floats.Select(f => f * 1e30f).ToArray())).Build()
                    ),
                    "sample 1 is 1.499e+28, beyond ±1e16 (full scale is ±1): its log-mel value would overflow float32"
                );
            default:
                throw new ArgumentException(kind);
        }
    }

    private byte[] Mp3Bytes()
    {
        var mp3 = Dir.File("source.mp3");
        if (!File.Exists(mp3))
        {
            Run(
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-i",
                GoodWav("mp3-source.wav"),
                "-c:a",
                "libmp3lame",
                "-b:a",
                "32k",
                mp3
            );
        }

        return File.ReadAllBytes(mp3);
    }

    private byte[] FlacBytes()
    {
        var flac = Dir.File("source.flac");
        Run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", GoodWav("flac-source.wav"), "-f", "flac", flac);
        return File.ReadAllBytes(flac);
    }

    /// <summary>The MPEG-2 layer III frames of a 16 kHz MP3 after its ID3 tag (the Xing frame first), walked by hand
    /// from their headers.</summary>
    private static IEnumerable<(int Start, int Length)> Mp3Frames(byte[] mp3)
    {
        var pos = mp3.AsSpan().StartsWith("ID3"u8) ? 10 + (mp3[6] << 21 | mp3[7] << 14 | mp3[8] << 7 | mp3[9]) : 0;
        while (pos + 4 <= mp3.Length)
        {
            Assert.Equal(0xFF, mp3[pos]);
            var bitrate =
                new[] { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 }[mp3[pos + 2] >> 4] * 1000;
            var length = 72 * bitrate / 16000 + ((mp3[pos + 2] >> 1) & 1);
            yield return (pos, length);
            pos += length;
        }
    }

    /// <summary>The frame count of the Xing/Info header (flags, then the big-endian count when flag 1 is
    /// set).</summary>
    private static uint XingFrameCount(byte[] mp3)
    {
        var tag = mp3.AsSpan().IndexOf("Xing"u8);
        if (tag < 0)
            tag = mp3.AsSpan().IndexOf("Info"u8);
        Assert.True(
            tag > 0 && (BinaryPrimitives.ReadUInt32BigEndian(mp3.AsSpan(tag + 4)) & 1) != 0,
            "the encoder wrote a Xing/Info frame count"
        );
        return BinaryPrimitives.ReadUInt32BigEndian(mp3.AsSpan(tag + 8));
    }

    [Theory]
    [MemberData(nameof(AudioKinds))]
    public void Features_RefusesBadAudio(string kind)
    {
        var (audio, problem) = BadAudio(kind);
        var output = FreshOutput("features.npy");
        AssertRefused(RunChild("features", audio, "--seconds", "1", "--out", output), $"error: {audio}: {problem}");
        AssertNothingWritten(output);
    }

    [Theory]
    [InlineData("NaN float samples")]
    [InlineData("sample rate 1 Hz")]
    [InlineData("data chunk empty")]
    public void Embed_RefusesBadAudioAfterGoodFiles(string kind)
    {
        var (audio, problem) = BadAudio(kind);
        var output = FreshOutput("embed.npy");
        var r = RunChild(
            "embed",
            "--model",
            Fixtures.TinyModel,
            "--seconds",
            "1",
            "--batch",
            "1",
            "--out",
            output,
            GoodWav("good.wav"),
            audio
        );
        AssertRefused(r with { Err = WithoutNnpackWarnings(r.Err) }, $"error: {audio}: {problem}");
        AssertNothingWritten(output);
    }

    /// <summary>libtorch may warn once about NNPACK on this CPU after the encoder ran; that line is not ours.</summary>
    private static string WithoutNnpackWarnings(string err) =>
        string.Join('\n', err.Split('\n').Where(l => !l.Contains("NNPACK")));

    /// <summary>The library door for samples in memory refuses what AudioFile.Read refuses for files.</summary>
    [Fact]
    public void EmotionRecognizer_RefusesNonFiniteSamples()
    {
        using var recognizer = Emolingua.Inference.EmotionRecognizer.Load(bundle.Folder);
        var samples = Tone(16000);
        samples[123] = float.PositiveInfinity;
        var e = Assert.Throws<Emolingua.Util.EmolinguaException>(() => recognizer.Predict(samples, 16000));
        Assert.Equal("samples: sample 123 is +infinity", e.Message);
    }
}
