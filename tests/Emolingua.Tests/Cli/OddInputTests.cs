using System.Text.Json.Nodes;
using Emolingua.Features;
using Emolingua.Util;
using Xunit.Abstractions;
using static Emolingua.Tests.Audio.AudioTestTools;
using static Emolingua.Tests.Cli.CliHarness;

namespace Emolingua.Tests.Cli;

/// <summary>
/// Valid but unusual input must work, through the built CLI as a child process: `features` on each file is compared
/// with the log-mel of an independent decode of the same file (sox or ffmpeg, or the samples it was made from when the
/// format is lossless), so a wrong decode (or a refusal) cannot pass.
/// </summary>
public class OddInputTests(TinyBundleFixture bundle, ITestOutputHelper output)
    : IClassFixture<TinyBundleFixture>,
        IDisposable
{
    private const double Seconds = 1;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>`features` of <paramref name="audio"/> through the CLI: exit 0, the promised shape, every value
    /// finite.</summary>
    private float[] CliFeatures(string audio)
    {
        var output = _dir.File($"features-{Guid.NewGuid():N}.npy");
        var r = RunChild("features", audio, "--seconds", "1", "--out", output);
        Assert.True(r.ExitCode == 0, $"features refused {audio}: {r.Err}");
        var npy = Npy.Read(output);
        Assert.Equal(new long[] { 80, 100 }, npy.Shape);
        Assert.Equal(-1, Finite.FirstNonFinite(npy.Data));
        return npy.Data;
    }

    private static float[] Reference(float[] samples16k) => WhisperLogMel.ComputeOne(samples16k, Seconds);

    private (double Mean, double Max) Differences(
        float[] a,
        float[] b,
        [System.Runtime.CompilerServices.CallerMemberName] string test = ""
    )
    {
        Assert.Equal(a.Length, b.Length);
        var d = a.Zip(b, (x, y) => (double)Math.Abs(x - y)).ToArray();
        output.WriteLine($"{test}: log-mel |diff| mean {d.Average():E2}, max {d.Max():E2}");
        return (d.Average(), d.Max());
    }

    /// <summary>A 16 kHz speech-like signal and a PCM16 WAV of it (the lossless source of the other formats).</summary>
    private (string Wav, float[] Samples) Source(string name = "source.wav")
    {
        var path = _dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        TestWav.WritePcm16Mono(path, TestWav.Voiced(1.2, 16000), 16000);
        return (path, TestWav.ReadPcm16Mono(path));
    }

    [Fact]
    public void EightBitPcm_MatchesSoxDecode()
    {
        var (wav, _) = Source();
        var eightBit = _dir.File("u8.wav");
        Run("sox", wav, "-b", "8", "-e", "unsigned-integer", eightBit);
        var soxDecode = Floats(Run("sox", eightBit, "-t", "f32", "-"));
        var (_, max) = Differences(CliFeatures(eightBit), Reference(soxDecode));
        Assert.True(max < 1e-6, $"8-bit: max |diff| {max}");
    }

    [Fact]
    public void FortyEightKilohertzStereoFloat_MatchesSoxResampledMix()
    {
        var stereo = _dir.File("st48.wav");
        Run(
            "sox",
            "-n",
            "-r",
            "48000",
            "-c",
            "2",
            "-e",
            "floating-point",
            "-b",
            "32",
            stereo,
            "synth",
            "1.2",
            "sine",
            "150-900",
            "sine",
            "300-2000",
            "vol",
            "0.4"
        );
        // sox averages the channels (-c 1) and resamples with its very-high-quality filter: an independent chain.
        var soxDecode = Floats(Run("sox", stereo, "-t", "f32", "-c", "1", "-r", "16000", "-", "rate", "-v"));
        var (mean, max) = Differences(CliFeatures(stereo), Reference(soxDecode));
        // Measured: mean 1.4e-6, max 1.4e-3 (the two resamplers' filters differ a little near the band edge).
        Assert.True(mean < 1e-4 && max < 0.01, $"48 kHz stereo float: mean |diff| {mean}, max {max}");
    }

    [Theory]
    [InlineData("flac", "clip.flac")]
    [InlineData("flac", "flac-named.wav")] // decoded by content: the name says WAV, the bytes say fLaC
    [InlineData("au", "sun-au-named.wav")] // no signature we know: ffmpeg decodes it
    [InlineData("wav", "wav-named.mp3")] // RIFF under an MP3 name
    public void LosslessFormatUnderAnyName_MatchesTheSourceSamples(string format, string name)
    {
        var (wav, samples) = Source();
        var file = _dir.File(name);
        var codec = format switch
        {
            "flac" => "flac",
            "au" => "pcm_s16be",
            _ => "pcm_s16le",
        };
        Run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, "-c:a", codec, "-f", format, file);
        var (_, max) = Differences(CliFeatures(file), Reference(samples));
        Assert.True(max < 1e-6, $"{name}: max |diff| {max}");
    }

    [Fact]
    public void Mp3UnderAWavName_MatchesFfmpegDecode()
    {
        var (wav, _) = Source();
        var mp3 = _dir.File("mp3-named.wav");
        Run(
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            wav,
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            "-f",
            "mp3",
            mp3
        );
        var (mean, max) = Differences(CliFeatures(mp3), Reference(FfmpegDecodeMono(mp3, 1)));
        // measured: 3.7e-7, 3.8e-5
        Assert.True(mean < 1e-5 && max < 1e-3, $"MP3 named .wav: mean |diff| {mean}, max {max}");
    }

    [Fact]
    public void PathsWithSpacesAndAccents_WorkForWavFfmpegAndPredict()
    {
        var (wav, samples) = Source(Path.Combine("dossier à é", "voix née ü ñ.wav"));
        var flac = _dir.File(Path.Combine("dossier à é", "çà et là ø.flac"));
        Run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, flac);
        foreach (var file in new[] { wav, flac })
        {
            var (_, max) = Differences(CliFeatures(file), Reference(samples));
            Assert.True(max < 1e-6, $"{file}: max |diff| {max}");
        }
        var r = RunChild("predict", "--model", bundle.Folder, "--json", wav);
        Assert.True(r.ExitCode == 0, r.Err);
        var line = JsonNode.Parse(r.OutLines.Single())!;
        Assert.Equal(wav, line["path"]!.GetValue<string>());
        var probabilities = line["probabilities"]!.AsObject().Select(kv => kv.Value!.GetValue<double>()).ToArray();
        Assert.All(probabilities, p => Assert.True(double.IsFinite(p) && p >= 0));
        Assert.Equal(1.0, probabilities.Sum(), 4);
    }
}
