using Emolingua.Audio;
using Emolingua.Util;
using Xunit.Abstractions;
using static Emolingua.Tests.Audio.AudioTestTools;

namespace Emolingua.Tests.Audio;

/// <summary>
/// Encodes every MP3 variant in one ffmpeg run and decodes them all with ffmpeg in a second run, since
/// starting ffmpeg dominates the cost of these tests.
/// </summary>
public sealed class Mp3Fixture : IDisposable
{
    public const double Seconds = 1.3;
    public TempDir Dir { get; } = new();

    public sealed record Variant(string Name, int Rate, int Channels, string[] Options);

    public static readonly Variant[] Variants =
    [
        new("m48", 48000, 1, ["-b:a", "96k"]),
        new("m44", 44100, 1, ["-b:a", "96k"]),
        new("s44", 44100, 2, ["-b:a", "96k"]),
        new("m16", 16000, 1, ["-b:a", "32k"]), // MPEG-2: 576 samples per frame
        new("s22", 22050, 2, ["-b:a", "64k"]),
        // LAME VBR: differing subblock gains (0.024 off without NLayerShortBlockFix)
        new("vbr", 44100, 2, ["-q:a", "4"]),
        new("s11", 11025, 2, ["-q:a", "5"]), // MPEG-2.5, VBR
        new("m8", 8000, 1, ["-b:a", "24k"]), // MPEG-2.5 at 8 kHz: decoded through ffmpeg
        new("noxing", 48000, 1, ["-b:a", "64k", "-write_xing", "0"]),
        new("id3v1", 44100, 1, ["-b:a", "128k", "-write_id3v1", "1", "-metadata", "title=Emolingua test"]),
    ];

    private readonly Dictionary<string, float[]> _ffmpeg = new();

    public Mp3Fixture()
    {
        var encode = new List<string> { "-nostdin", "-v", "error", "-y" };
        foreach (var v in Variants)
        {
            encode.AddRange([
                "-f",
                "f32le",
                "-ar",
                v.Rate.ToString(),
                "-ac",
                v.Channels.ToString(),
                "-i",
                WriteSource(v),
            ]);
        }

        for (var i = 0; i < Variants.Length; i++)
            encode.AddRange(["-map", $"{i}:a", "-c:a", "libmp3lame", .. Variants[i].Options, Mp3(Variants[i].Name)]);
        Run("ffmpeg", [.. encode]);

        // sox writes MP3 through libmp3lame too, but with neither an ID3 tag nor a Xing/Info frame.
        Run(
            "sox",
            "-n",
            "-r",
            "22050",
            "-c",
            "1",
            Dir.File("sox.wav"),
            "synth",
            "0.8",
            "sine",
            "200-2000",
            "vol",
            "0.5"
        );
        Run("sox", Dir.File("sox.wav"), "-C", "64", Mp3("sox"));

        var names = Variants.Select(v => v.Name).Append("sox").ToArray();
        var decode = new List<string> { "-nostdin", "-v", "error", "-y" };
        foreach (var n in names)
            decode.AddRange(["-i", Mp3(n)]);
        for (var i = 0; i < names.Length; i++)
            decode.AddRange(["-map", $"{i}:a", "-f", "f32le", Dir.File(names[i] + ".f32")]);
        Run("ffmpeg", [.. decode]);
        foreach (var n in names)
        {
            var channels = Variants.FirstOrDefault(v => v.Name == n)?.Channels ?? 1;
            var interleaved = Floats(File.ReadAllBytes(Dir.File(n + ".f32")));
            var mono = new float[interleaved.Length / channels];
            for (var i = 0; i < mono.Length; i++)
            {
                double sum = 0;
                for (var c = 0; c < channels; c++)
                    sum += interleaved[i * channels + c];
                mono[i] = (float)(sum / channels);
            }
            _ffmpeg[n] = mono;
        }
    }

    public string Mp3(string name) => Dir.File(name + ".mp3");

    /// <summary>ffmpeg's decode, channels averaged in the test.</summary>
    public float[] FfmpegMono(string name) => _ffmpeg[name];

    private string WriteSource(Variant v)
    {
        var mono = TestWav.Voiced(Seconds, v.Rate, pauses: true);
        var interleaved = new float[mono.Length * v.Channels];
        for (var i = 0; i < mono.Length; i++)
        {
            for (var c = 0; c < v.Channels; c++)
                interleaved[i * v.Channels + c] = c == 0 ? mono[i] : 0.5f * mono[mono.Length - 1 - i];
        }

        var path = Dir.File(v.Name + ".src.f32");
        File.WriteAllBytes(path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(interleaved.AsSpan()).ToArray());
        return path;
    }

    public void Dispose() => Dir.Dispose();
}

/// <summary>MP3 decoding must line up with ffmpeg's output sample for sample (same trimming of delay and
/// padding).</summary>
public class Mp3Tests(Mp3Fixture files, ITestOutputHelper output) : IClassFixture<Mp3Fixture>
{
    private const float Tolerance = 1e-5f; // measured: at most 1.4e-6

    [Theory]
    [InlineData("m48", 48000, 1)]
    [InlineData("m44", 44100, 1)]
    [InlineData("s44", 44100, 2)] // stereo: the two channels averaged
    [InlineData("m16", 16000, 1)]
    [InlineData("s22", 22050, 2)]
    [InlineData("vbr", 44100, 2)]
    [InlineData("s11", 11025, 2)]
    [InlineData("m8", 8000, 1)]
    [InlineData("noxing", 48000, 1)]
    [InlineData("id3v1", 44100, 1)]
    [InlineData("sox", 22050, 1)]
    public void MatchesFfmpegSampleForSample(string name, int rate, int channels)
    {
        var mp3 = files.Mp3(name);
        var expected = files.FfmpegMono(name);
        var w = AudioFile.Read(mp3);
        Assert.Equal(rate, w.SampleRate);
        Assert.Equal(expected.Length, w.Samples.Length);
        var diff = MaxAbsDiff(expected, w.Samples);
        output.WriteLine($"{name}: {w.Samples.Length} samples, max |diff| vs ffmpeg {diff:E2}");
        Assert.True(diff < Tolerance, $"max |diff| {diff}");

        var info = AudioFile.Probe(mp3);
        Assert.Equal(
            ("mp3", rate, channels, (long)expected.Length),
            (info.Format, info.SampleRate, info.Channels, info.FrameCount)
        );
        Assert.Equal(expected.Length / (double)rate, info.DurationSeconds, 9);
    }

    [Theory]
    [InlineData("m44", 44100)]
    [InlineData("m48", 48000)]
    [InlineData("m16", 16000)]
    public void WithLameTagTheLengthIsTheOriginalLength(string name, int rate)
    {
        var original = (int)Math.Round(Mp3Fixture.Seconds * rate); // encoder delay and padding both removed
        Assert.Equal(original, AudioFile.Read(files.Mp3(name)).Samples.Length);
        Assert.Equal(
            new AudioInfo("mp3", rate, 1, original, original / (double)rate),
            AudioFile.Probe(files.Mp3(name))
        );
    }

    [Fact]
    public void WithoutXingFrameNothingIsTrimmed()
    {
        // 1.3 s at 48 kHz = 62400 samples + 576 encoder delay + padding, all in whole 1152-sample frames
        var frames = AudioFile.Probe(files.Mp3("noxing")).FrameCount;
        Assert.Equal(0, frames % 1152);
        Assert.InRange(frames, 62400 + 576, 62400 + 576 + 1152 + 1152);
    }

    [Fact]
    public void TrailingGarbageIsIgnored()
    {
        var copy = files.Dir.File("garbage.mp3");
        File.Copy(files.Mp3("id3v1"), copy, overwrite: true);
        File.AppendAllText(copy, "some trailing junk that is not audio \u00ff\u00fb");
        var expected = files.FfmpegMono("id3v1");
        var w = AudioFile.Read(copy);
        Assert.Equal(expected.Length, w.Samples.Length);
        Assert.True(MaxAbsDiff(expected, w.Samples) < Tolerance);
    }

    [Fact]
    public void ReadAtTargetRateResamples()
    {
        var w = AudioFile.Read(files.Mp3("m44"), 16000);
        Assert.Equal(16000, w.SampleRate);
        Assert.Equal((int)Math.Round(Mp3Fixture.Seconds * 16000), w.Samples.Length);
    }

    [Fact]
    public void Mp3DataInAFileWithAnotherExtensionIsRecognised()
    {
        var renamed = files.Dir.File("clip.audio");
        File.Copy(files.Mp3("m48"), renamed, overwrite: true);
        Assert.Equal("mp3", AudioFile.Probe(renamed).Format);
        Assert.Equal(files.FfmpegMono("m48").Length, AudioFile.Read(renamed).Samples.Length);
    }

    [Fact]
    public void EightKilohertzMp3WithoutFfmpegNamesTheProblem()
    {
        var mp3 = files.Mp3("m8");
        var e = Assert.Throws<EmolinguaException>(() => AudioFile.Read(mp3, searchPath: ""));
        Assert.StartsWith(mp3 + ": ", e.Message);
        Assert.Contains("8 kHz MP3", e.Message);
        Assert.Contains("needs ffmpeg on PATH", e.Message);
        Assert.Equal(8000, AudioFile.Probe(mp3, searchPath: "").SampleRate); // probing needs no decoder
    }
}
