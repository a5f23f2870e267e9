using System.Buffers.Binary;

namespace Emolingua.Tests.Cli;

/// <summary>
/// Bad input through the built CLI as a child process: a non-zero exit code, exactly one "error: ..." line on stderr
/// that names the offending file, no stack trace, and no clobbered output file.
/// </summary>
public class CliErrorTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>, IDisposable
{
    private readonly TempDir _dir = new();
    private static readonly byte[] Sentinel = "precious bytes that must survive a failed run\n"u8.ToArray();

    public void Dispose() => _dir.Dispose();

    /// <summary>An existing output file the failing command is pointed at.</summary>
    private string ExistingOutput()
    {
        var path = _dir.File("existing.npy");
        File.WriteAllBytes(path, Sentinel);
        return path;
    }

    private static void AssertOneLineError(CliResult r, params string[] mustContain) =>
        CliHarness.AssertOneLineError(r, mustContain);

    private void AssertUntouched(string path) => Assert.Equal(Sentinel, File.ReadAllBytes(path));

    private string ValidWav(string name, double seconds = 1)
    {
        var path = _dir.File(name);
        TestWav.WritePcm16Mono(path, TestWav.Voiced(seconds, 16000), 16000);
        return path;
    }

    [Fact]
    public void Features_NonexistentAudio()
    {
        var output = ExistingOutput();
        var audio = _dir.File("no-such-file.wav");
        AssertOneLineError(
            CliHarness.RunChild("features", audio, "--seconds", "1", "--out", output),
            audio,
            "not found"
        );
        AssertUntouched(output);
    }

    [Fact]
    public void Features_EmptyFile()
    {
        var output = ExistingOutput();
        var audio = _dir.File("empty.wav");
        File.WriteAllBytes(audio, []);
        AssertOneLineError(CliHarness.RunChild("features", audio, "--seconds", "1", "--out", output), audio, "empty");
        AssertUntouched(output);
    }

    [Fact]
    public void Features_TextFileNamedWav()
    {
        var output = ExistingOutput();
        var audio = _dir.File("x.wav");
        File.WriteAllText(audio, "this is not audio, just some text pretending to be a WAV file\n");
        AssertOneLineError(CliHarness.RunChild("features", audio, "--seconds", "1", "--out", output), audio);
        AssertUntouched(output);
    }

    [Fact]
    public void Features_TruncatedWavHeader()
    {
        var output = ExistingOutput();
        var audio = ValidWav("truncated.wav");
        var bytes = File.ReadAllBytes(audio);
        File.WriteAllBytes(audio, bytes[..30]); // cut inside the fmt chunk
        AssertOneLineError(
            CliHarness.RunChild("features", audio, "--seconds", "1", "--out", output),
            audio,
            "truncated"
        );
        AssertUntouched(output);
    }

    /// <summary>A copy of the tiny HF checkpoint whose model.safetensors is mangled by
    /// <paramref name="mangle"/>.</summary>
    private string CorruptCheckpoint(Func<byte[], byte[]> mangle)
    {
        var folder = Path.Combine(_dir.Path, "corrupt-model");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(Fixtures.TinyModel, "config.json"), Path.Combine(folder, "config.json"));
        var weights = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(weights, mangle(File.ReadAllBytes(Path.Combine(Fixtures.TinyModel, "model.safetensors"))));
        return weights;
    }

    [Fact]
    public void Embed_TruncatedSafetensors()
    {
        var output = ExistingOutput();
        var weights = CorruptCheckpoint(b => b[..(b.Length / 2)]);
        var r = CliHarness.RunChild(
            "embed",
            "--model",
            Path.GetDirectoryName(weights)!,
            "--seconds",
            "1",
            "--out",
            output,
            Fixtures.Input("burst_4s.wav")
        );
        AssertOneLineError(r, weights);
        AssertUntouched(output);
    }

    [Fact]
    public void Embed_SafetensorsHeaderLengthTwoToThe40()
    {
        var output = ExistingOutput();
        var weights = CorruptCheckpoint(b =>
        {
            var c = (byte[])b.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(c, 1UL << 40);
            return c;
        });
        var r = CliHarness.RunChild(
            "embed",
            "--model",
            Path.GetDirectoryName(weights)!,
            "--seconds",
            "1",
            "--out",
            output,
            Fixtures.Input("burst_4s.wav")
        );
        AssertOneLineError(r, weights, "header");
        AssertUntouched(output);
    }

    [Fact]
    public void UnknownCommand()
    {
        var r = CliHarness.RunChild("frobnicate", "x.wav");
        AssertOneLineError(r, "frobnicate");
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void UnknownOption()
    {
        var output = ExistingOutput();
        var r = CliHarness.RunChild(
            "features",
            ValidWav("ok.wav"),
            "--seconds",
            "1",
            "--out",
            output,
            "--frobnicate",
            "3"
        );
        AssertOneLineError(r, "--frobnicate");
        AssertUntouched(output);
    }

    [Fact]
    public void MissingOut()
    {
        var r = CliHarness.RunChild("features", ValidWav("ok.wav"), "--seconds", "1");
        AssertOneLineError(r, "--out");
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.npy"));
    }

    [Fact]
    public void Predict_ModelFolderThatIsNotAModel()
    {
        var notModel = Path.Combine(_dir.Path, "not-a-model");
        Directory.CreateDirectory(notModel);
        File.WriteAllText(Path.Combine(notModel, "notes.txt"), "hello");
        var r = CliHarness.RunChild("predict", "--model", notModel, ValidWav("ok.wav"));
        AssertOneLineError(r, notModel);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Predict_ModelWithBrokenConfigJson()
    {
        var model = Path.Combine(_dir.Path, "broken-model");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "config.json"), "{ \"format\": \"emolingua-emotion-model\", ");
        var r = CliHarness.RunChild("predict", "--model", model, ValidWav("ok.wav"));
        AssertOneLineError(r, Path.Combine(model, "config.json"));
    }

    [Fact]
    public void Predict_WavWithNoSamples_NamesTheFile()
    {
        var audio = _dir.File("header-only.wav");
        TestWav.WritePcm16Mono(audio, [], 16000);
        var r = CliHarness.RunChild("predict", "--model", bundle.Folder, audio);
        AssertOneLineError(r, audio, "empty");
    }

    [Fact]
    public void Evaluate_CorpusWithNoFourClassFiles()
    {
        var root = Path.Combine(_dir.Path, "emodb");
        Directory.CreateDirectory(Path.Combine(root, "wav"));
        // boredom: dropped
        TestWav.WritePcm16Mono(Path.Combine(root, "wav", "03a01Lb.wav"), TestWav.Voiced(1, 16000), 16000);
        var outDir = Path.Combine(_dir.Path, "eval");
        var r = CliHarness.RunChild("evaluate", "--model", bundle.Folder, "--corpus", "emodb=" + root, "--out", outDir);
        AssertOneLineError(r, root);
        Assert.False(File.Exists(Path.Combine(outDir, "metrics.json")));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void Embed_NonPositiveBatch(string batch)
    {
        var output = ExistingOutput();
        var r = CliHarness.RunChild(
            "embed",
            "--model",
            Fixtures.TinyModel,
            "--seconds",
            "1",
            "--batch",
            batch,
            "--out",
            output,
            Fixtures.Input("burst_4s.wav")
        );
        AssertOneLineError(r, "--batch");
        AssertUntouched(output);
    }

    [Theory]
    [InlineData("--iters", "0")]
    [InlineData("--warmup", "-1")]
    public void Bench_InvalidIterationCounts(string option, string value)
    {
        var r = CliHarness.RunChild("bench", "logmel", "--batch", "1", "--seconds", "1", option, value);
        AssertOneLineError(r, option);
        Assert.Equal("", r.Out);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("0.001")]
    [InlineData("Infinity")]
    public void Features_InvalidSeconds_NamesTheOption(string seconds)
    {
        var output = ExistingOutput();
        var r = CliHarness.RunChild("features", ValidWav("ok.wav"), "--seconds", seconds, "--out", output);
        AssertOneLineError(r, "--seconds");
        Assert.DoesNotContain("missing", r.Err);
        AssertUntouched(output);
    }

    [Theory]
    [InlineData("--fold", "0")]
    [InlineData("--fold", "-1")]
    [InlineData("--folds", "0")]
    public void Evaluate_InvalidFoldOptions(string option, string value)
    {
        var root = Path.Combine(_dir.Path, "emodb");
        Directory.CreateDirectory(Path.Combine(root, "wav"));
        foreach (var name in new[] { "03a01Wa", "08a01Fa", "09a01Na", "10a01Ta" })
            TestWav.WritePcm16Mono(Path.Combine(root, "wav", name + ".wav"), TestWav.Voiced(1, 16000), 16000);
        var outDir = Path.Combine(_dir.Path, "eval");
        string[] fold = option == "--folds" ? ["--fold", "1"] : [];
        var r = CliHarness.RunChild([
            "evaluate",
            "--model",
            bundle.Folder,
            "--corpus",
            "emodb=" + root,
            option,
            value,
            .. fold,
            "--out",
            outDir,
        ]);
        AssertOneLineError(r, option);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Embed_BadFileAfterGoodOnes_NamesItAndLeavesTheOutput()
    {
        var output = ExistingOutput();
        var bad = _dir.File("bad.wav");
        File.WriteAllText(bad, "RIFF but not really");
        var r = CliHarness.RunChild(
            "embed",
            "--model",
            Fixtures.TinyModel,
            "--seconds",
            "1",
            "--batch",
            "1",
            "--out",
            output,
            Fixtures.Input("burst_4s.wav"),
            Fixtures.Input("chirp_1p2s.wav"),
            bad
        );
        // libtorch may log a hardware warning (NNPACK) once the encoder has run; the error itself must still be one
        // line.
        var errorLines = r
            .Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.Contains("NNPACK"))
            .ToArray();
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(errorLines);
        Assert.StartsWith("error: " + bad, errorLines[0]);
        Assert.DoesNotContain("   at ", r.Err);
        AssertUntouched(output);
    }

    [Theory]
    // 16160 samples -> 101 log-mel frames: conv2 (stride 2) cannot map them onto whole encoder positions
    [InlineData("1.01")]
    [InlineData("0.03")]
    public void Embed_SecondsGivingAnOddFrameCount_IsRejectedUpFront(string seconds)
    {
        var output = ExistingOutput();
        var r = CliHarness.RunChild(
            "embed",
            "--model",
            Fixtures.TinyModel,
            "--seconds",
            seconds,
            "--out",
            output,
            Fixtures.Input("burst_4s.wav")
        );
        AssertOneLineError(r, "--seconds", seconds);
        AssertUntouched(output);
    }
}
