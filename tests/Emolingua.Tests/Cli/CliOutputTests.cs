using System.Text.Json;
using Emolingua.Util;

namespace Emolingua.Tests.Cli;

/// <summary>Console redirection is process-wide: every in-process CLI test sits in this non-parallel
/// collection.</summary>
[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class CliConsoleCollection;

/// <summary>features, embed and bench: output files against the Whisper parity fixtures, and bench's one-line JSON
/// contract.</summary>
[Collection("Console")]
public class CliOutputTests
{
    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        var at = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = MathF.Abs(expected[i] - actual[i]);
            if (!(d <= worst))
            {
                worst = d;
                at = i;
            }
        }
        Assert.True(
            worst <= tolerance,
            $"{what}: max |diff| {worst} at {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)})"
        );
    }

    [Theory]
    [InlineData("burst_4s", 4)]
    [InlineData("burst_4s", 3)]
    [InlineData("voiced_5p5s", 3)]
    [InlineData("chirp_1p2s", 4)]
    public void Features_MatchesTheLogMelFixture(string stem, int seconds)
    {
        using var dir = new TempDir();
        var outPath = dir.File("mel.npy");
        var r = CliHarness.RunInProcess(
            "features",
            Fixtures.Input(stem + ".wav"),
            "--seconds",
            seconds.ToString(),
            "--out",
            outPath
        );
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal("", r.Err);
        var actual = Npy.Read(outPath);
        var expected = Npy.Read(Fixtures.Expected($"logmel_{stem}_{seconds}s.npy"));
        Assert.Equal(new long[] { 80, 100 * seconds }, actual.Shape);
        Assert.Equal(expected.Shape, actual.Shape);
        AssertClose(expected.Data, actual.Data, 1e-4f, $"logmel {stem} {seconds}s");
    }

    [Fact]
    public void Features_128Mels_HasShape128ByFramesAndWhisperDynamicRange()
    {
        using var dir = new TempDir();
        var outPath = dir.File("mel128.npy");
        var r = CliHarness.RunInProcess(
            "features",
            Fixtures.Input("burst_4s.wav"),
            "--seconds=2",
            "--n-mels",
            "128",
            "--out",
            outPath
        );
        Assert.True(r.ExitCode == 0, r.Err);
        var mel = Npy.Read(outPath);
        Assert.Equal(new long[] { 128, 200 }, mel.Shape);
        // Whisper clamps to max - 8 (log10) then maps x -> (x + 4) / 4: the range is at most 2.
        float max = mel.Data.Max(),
            min = mel.Data.Min();
        Assert.All(mel.Data, v => Assert.True(float.IsFinite(v)));
        Assert.InRange(max - min, 0.5f, 2f + 1e-6f);
    }

    [Fact]
    public void Embed_RowsFollowArgumentOrder_AndMatchThePooledFixtures()
    {
        using var dir = new TempDir();
        var outPath = dir.File("emb.npy");
        string[] stems = ["voiced_5p5s", "burst_4s", "chirp_1p2s"]; // not alphabetical
        var r = CliHarness.RunInProcess([
            "embed",
            "--model",
            Fixtures.TinyModel,
            "--seconds",
            "4",
            "--batch",
            "2",
            "--out",
            outPath,
            .. stems.Select(s => Fixtures.Input(s + ".wav")),
        ]);
        Assert.True(r.ExitCode == 0, r.Err);
        var emb = Npy.Read(outPath);
        Assert.Equal(new long[] { 3, 64 }, emb.Shape);
        for (var i = 0; i < stems.Length; i++)
        {
            var expected = Npy.Read(Fixtures.Expected($"pooled_{stems[i]}_4s.npy"));
            AssertClose(expected.Data, emb.Data.AsSpan(i * 64, 64).ToArray(), 1e-4f, $"row {i} ({stems[i]})");
        }
    }

    [Fact]
    public void Embed_FractionalWindowOfWholePositions_IsAccepted()
    {
        // 1.5 s = 150 frames = 75 positions: accepted (only odd frame counts are refused).
        using var dir = new TempDir();
        var outPath = dir.File("emb.npy");
        var r = CliHarness.RunInProcess(
            "embed",
            "--model",
            Fixtures.TinyModel,
            "--seconds",
            "1.5",
            "--out",
            outPath,
            Fixtures.Input("burst_4s.wav")
        );
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(new long[] { 1, 64 }, Npy.Read(outPath).Shape);
    }

    [Theory]
    [InlineData("logmel b2 1s", new[] { "bench", "logmel", "--batch", "2", "--seconds", "1", "--iters", "1" })]
    [InlineData(
        "encoder tiny train b1 1s",
        new[]
        {
            "bench",
            "encoder",
            "--size",
            "tiny",
            "--batch",
            "1",
            "--seconds",
            "1",
            "--mode",
            "train",
            "--iters",
            "1",
            "--warmup",
            "0",
        }
    )]
    public void Bench_PrintsExactlyOneJsonLine(string what, string[] argv)
    {
        var r = CliHarness.RunInProcess(argv);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Single(r.OutLines);
        using var doc = JsonDocument.Parse(r.OutLines[0]);
        var j = doc.RootElement;
        Assert.Equal(what, j.GetProperty("what").GetString());
        double median = j.GetProperty("median_ms").GetDouble(),
            min = j.GetProperty("min_ms").GetDouble();
        Assert.True(median > 0, $"median_ms {median}");
        Assert.True(min > 0, $"min_ms {min}");
        Assert.True(min <= median, $"min_ms {min} > median_ms {median}");
    }
}

/// <summary>Program's error reporting, in-process with commands that fail in known ways.</summary>
[Collection("Console")]
public class ProgramErrorReportingTests
{
    private static (int Code, string Err) Report(Exception e, bool verbose = false)
    {
        var saved = Console.Error;
        var err = new StringWriter();
        Console.SetError(err);
        try
        {
            return (Emolingua.Cli.Program.RunReportingErrors(() => throw e, verbose), err.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Fact]
    public void EmolinguaException_IsOneLineWithExitCode1()
    {
        var (code, err) = Report(new EmolinguaException("/data/x.wav", "bad\nthing"));
        Assert.Equal(1, code);
        Assert.Equal("error: /data/x.wav: bad thing" + Environment.NewLine, err);
    }

    [Fact]
    public void LibtorchError_DropsTheNativeBacktrace()
    {
        // The shape of a TorchSharp ExternalException message: the check message, then libtorch's C++ backtrace.
        var message =
            "Expected 2D or 3D tensor, but got: [1, 0, 16000]\nException raised from check_valid_input at /pytorch/aten/src/ATen/native/Padding.h:55 (most recent call first):\n"
            + "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0xb0 (0x7f54 in libc10.so)\nframe #1: c10::detail::torchCheckFail(char const*) + 0x6b (0x7f55 in libc10.so)\n";
        var (code, err) = Report(new System.Runtime.InteropServices.ExternalException(message));
        Assert.Equal(2, code);
        Assert.Equal("error: Expected 2D or 3D tensor, but got: [1, 0, 16000]" + Environment.NewLine, err);
    }

    [Fact]
    public void Verbose_AddsTheStackTrace()
    {
        var (code, err) = Report(new InvalidOperationException("boom"), verbose: true);
        Assert.NotEqual(0, code);
        Assert.StartsWith("error: boom", err);
        Assert.Contains("   at ", err);
    }
}

/// <summary>Help comes from the same definitions that parse: options the hand-written usage lines once missed are
/// shown.</summary>
[Collection("Console")]
public class CliHelpTests
{
    [Theory]
    [InlineData("evaluate", new[] { "--model", "--corpus", "--fold", "--folds", "--embeddings", "--out", "--device" })]
    [InlineData("bench", new[] { "--batch", "--seconds", "--threads", "--iters", "--warmup", "--size", "--mode" })]
    [InlineData("train", new[] { "--out", "--data", "--seed", "--device", "--resume", "--set" })]
    public void HelpCommand_ListsEveryOption(string command, string[] options)
    {
        var help = CliHarness.RunInProcess("help", command);
        Assert.Equal(0, help.ExitCode);
        Assert.All(options, o => Assert.Contains(o, help.Out));
        Assert.Equal(help.Out, CliHarness.RunInProcess(command, "--help").Out);
    }

    [Fact]
    public void NoArguments_ListsTheCommands_Version_PrintsTheVersion()
    {
        var help = CliHarness.RunInProcess();
        Assert.Equal(0, help.ExitCode);
        foreach (
            var c in new[]
            {
                "features",
                "embed",
                "corpus",
                "synth",
                "train",
                "evaluate",
                "experiment",
                "demo",
                "predict",
                "bench",
            }
        )
        {
            Assert.Contains(c, help.Out);
        }

        var version = CliHarness.RunInProcess("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("Emolingua " + VersionInfo.Version, version.Out);
    }

    [Fact]
    public void HelpForAnUnknownCommand_IsOneLineError()
    {
        var r = CliHarness.RunInProcess("help", "frobnicate");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.StartsWith("error:", r.ErrLines[0]);
        Assert.Contains("frobnicate", r.ErrLines[0]);
    }
}
