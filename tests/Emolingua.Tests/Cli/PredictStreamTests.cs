using System.Diagnostics;
using System.Text.Json;
using Emolingua.Tests.Inference;

namespace Emolingua.Tests.Cli;

/// <summary>
/// `predict --stream -` through the built CLI with audio written to its stdin a piece at a time: a window's line comes
/// out while stdin is still open, and the lines are predict --segments --json's windows of the same file, then its
/// whole-file result; as a WAV stream and as raw PCM at another rate.
/// </summary>
[Collection("Console")]
public class PredictStreamTests(StreamBundleFixture bundle) : IClassFixture<StreamBundleFixture>
{
    private string Model => bundle.Folder;

    private static short[] Clip(double seconds, int rate, int seed) =>
        PredictTests.Varied(seconds, seed).Select(x => x).ToArray() is var x16 && rate == 16000
            ? x16.Select(v => (short)MathF.Round(v * 32767)).ToArray()
            : Emolingua
                .Audio.Resampler.Resample(x16, 16000, rate)
                .Select(v => (short)Math.Clamp(MathF.Round(v * 32767), -32768, 32767))
                .ToArray();

    /// <summary>
    /// Runs predict --stream, writing <paramref name="input"/> to stdin in 0.25 s pieces 50 ms apart; returns the
    /// stdout lines and, for each, whether stdin was still open when it arrived.
    /// </summary>
    private static async Task<(List<string> Lines, List<bool> WhileOpen, int ExitCode, string Err)> StreamAsync(
        byte[] input,
        int bytesPerQuarterSecond,
        params string[] argv
    )
    {
        var start = CliHarness.ChildStartInfo(argv);
        start.RedirectStandardInput = true;
        using var p = Process.Start(start)!;
        var lines = new List<string>();
        var whileOpen = new List<bool>();
        var open = true;
        var reading = Task.Run(async () =>
        {
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                    whileOpen.Add(Volatile.Read(ref open));
                }
            }
        });
        var err = p.StandardError.ReadToEndAsync();
        var stdin = p.StandardInput.BaseStream;
        for (var at = 0; at < input.Length; at += bytesPerQuarterSecond)
        {
            await stdin.WriteAsync(input.AsMemory(at, Math.Min(bytesPerQuarterSecond, input.Length - at)));
            await stdin.FlushAsync();
            await Task.Delay(50);
        }
        await Task.Delay(1000); // the model's first load may still be running: leave time for the windows to be printed
        Volatile.Write(ref open, false);
        stdin.Close();
        Assert.True(p.WaitForExit(120_000), "predict --stream did not exit");
        await reading;
        return (lines, whileOpen, p.ExitCode, await err);
    }

    private static void AssertLinesArePredicts(List<string> lines, JsonElement expected)
    {
        var segments = expected.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(segments.Count + 1, lines.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            var w = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal("window", w.GetProperty("type").GetString());
            Assert.Equal(segments[i].GetProperty("start_s").GetDouble(), w.GetProperty("start_s").GetDouble());
            Assert.Equal(segments[i].GetProperty("end_s").GetDouble(), w.GetProperty("end_s").GetDouble());
            Assert.Equal(segments[i].GetProperty("label").GetString(), w.GetProperty("label").GetString());
            foreach (var p in segments[i].GetProperty("probabilities").EnumerateObject())
            {
                Assert.True(
                    Math.Abs(p.Value.GetDouble() - w.GetProperty("probabilities").GetProperty(p.Name).GetDouble())
                        <= 1.1e-5,
                    $"window {i} {p.Name}"
                );
            }
        }
        var end = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.Equal("end", end.GetProperty("type").GetString());
        Assert.Equal(expected.GetProperty("label").GetString(), end.GetProperty("label").GetString());
        Assert.Equal(expected.GetProperty("duration_s").GetDouble(), end.GetProperty("duration_s").GetDouble());
        foreach (var p in expected.GetProperty("probabilities").EnumerateObject())
        {
            Assert.True(
                Math.Abs(p.Value.GetDouble() - end.GetProperty("probabilities").GetProperty(p.Name).GetDouble())
                    <= 1.1e-5,
                $"end {p.Name}"
            );
        }
    }

    private JsonElement PredictSegments(string wav)
    {
        var r = CliHarness.RunChild("predict", "--model", Model, "--json", "--segments", wav);
        Assert.True(r.ExitCode == 0, r.Err);
        return JsonDocument.Parse(r.Out).RootElement.Clone();
    }

    [Fact]
    public async Task WavOnStdin_PrintsEachWindowWhileStreaming_ThenPredictsResult()
    {
        using var dir = new TempDir();
        var pcm = Clip(5.3, 22050, seed: 2);
        var wav = dir.File("clip.wav");
        EmotionStreamTests.WritePcm16(wav, pcm, 22050);
        var expected = PredictSegments(wav);
        var (lines, whileOpen, exit, err) = await StreamAsync(
            File.ReadAllBytes(wav),
            22050 / 2,
            "predict",
            "--model",
            Model,
            "--stream",
            "-",
            "--json"
        );
        Assert.True(exit == 0, err);
        AssertLinesArePredicts(lines, expected);
        Assert.True(whileOpen[0], "the first window was printed only after stdin closed");
    }

    [Fact]
    public async Task RawPcm16At8k_WithFormatAndRate_GivesPredictOnTheSameSamples_TextLinesToo()
    {
        using var dir = new TempDir();
        var pcm = Clip(3.1, 8000, seed: 4);
        var wav = dir.File("clip.wav");
        EmotionStreamTests.WritePcm16(wav, pcm, 8000);
        var raw = System.Runtime.InteropServices.MemoryMarshal.AsBytes(pcm.AsSpan()).ToArray();
        var (lines, _, exit, err) = await StreamAsync(
            raw,
            4000,
            "predict",
            "--model",
            Model,
            "--stream",
            "-",
            "--format",
            "s16le",
            "--rate",
            "8000",
            "--json"
        );
        Assert.True(exit == 0, err);
        var expected = PredictSegments(wav);
        AssertLinesArePredicts(lines, expected);
        var (text, _, textExit, _) = await StreamAsync(
            raw,
            4000,
            "predict",
            "--model",
            Model,
            "--stream",
            "-",
            "--format",
            "s16le",
            "--rate",
            "8000"
        );
        Assert.Equal(0, textExit);
        Assert.Equal(lines.Count, text.Count);
        Assert.StartsWith("   0.000-1.000  ", text[0]);
        Assert.StartsWith("-\t" + expected.GetProperty("label").GetString() + "\t", text[^1]);
    }

    [Fact]
    public async Task BadStreams_OneLineErrors()
    {
        CliHarness.AssertOneLineError(
            CliHarness.RunChild("predict", "--model", Model, "--stream", "-", "--format", "s16le"),
            "--format needs --rate"
        );
        CliHarness.AssertOneLineError(
            CliHarness.RunChild("predict", "--model", Model, "--rate", "8000", "x.wav"),
            "--format and --rate"
        );
        CliHarness.AssertOneLineError(CliHarness.RunChild("predict", "--model", Model), "INPUT");
        var (lines, _, exit, err) = await StreamAsync(
            "hello, this is not audio"u8.ToArray(),
            100,
            "predict",
            "--model",
            Model,
            "--stream",
            "-"
        );
        Assert.NotEqual(0, exit);
        Assert.Empty(lines);
        Assert.Contains("stdin: not a WAV stream", err);
        (lines, _, exit, err) = await StreamAsync(
            new byte[3],
            100,
            "predict",
            "--model",
            Model,
            "--stream",
            "-",
            "--format",
            "s16le",
            "--rate",
            "16000"
        );
        Assert.NotEqual(0, exit);
        Assert.Contains("stdin: the stream ends inside a sample frame", err);
    }
}
