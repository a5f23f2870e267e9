using System.Text.Json;
using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Tests.Cli;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Edge;

/// <summary>Two tiny bundles: a sane one, and one whose head overflows float32 on every input (finite weights of
/// 3e38).</summary>
public sealed class OverflowBundles : IDisposable
{
    public TinyBundleFixture Sane { get; } = new();
    public TempDir Dir { get; } = new();
    public string Overflowing => Path.Combine(Dir.Path, "run", "model");

    public OverflowBundles()
    {
        using var model = CliHarness.SaveTinyBundle(Overflowing, 1.0, seed: 11);
        using (no_grad())
        {
            model.head.fc2.weight!.fill_(3e38f);
            model.head.fc2.bias!.fill_(3e38f);
        }
        ModelBundle.Save(Overflowing, model, 1.0, "baseline");
    }

    public void Dispose()
    {
        Sane.Dispose();
        Dir.Dispose();
    }
}

/// <summary>
/// The NaN bug class: a float WAV whose samples are finite but near float32's largest value, and a model that
/// overflows. Neither may reach the console, a CSV, JSON or an HTTP answer as NaN: the reader refuses amplitudes whose
/// log-mel would overflow, and every engine checks its own outputs (the last line of defence).
/// </summary>
[Collection("Console")]
public class NonFiniteOutputTests(OverflowBundles bundles) : IClassFixture<OverflowBundles>
{
    private static byte[] FloatWav(float[] samples)
    {
        var data = samples.SelectMany(BitConverter.GetBytes).ToArray();
        var b = new MemoryStream();
        var w = new BinaryWriter(b);
        w.Write("RIFF"u8);
        w.Write(36 + data.Length);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)3);
        w.Write((short)1);
        w.Write(16000);
        w.Write(64000);
        w.Write((short)4);
        w.Write((short)32);
        w.Write("data"u8);
        w.Write(data.Length);
        w.Write(data);
        return b.ToArray();
    }

    /// <summary>0.5 s of a 220 Hz tone scaled to <paramref name="peak"/>.</summary>
    internal static float[] Tone(float peak) =>
        Enumerable.Range(0, 8000).Select(i => (float)(peak * Math.Sin(2 * Math.PI * 220 * i / 16000.0))).ToArray();

    internal static string LoudWav(TempDir dir, string name = "loud.wav")
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, FloatWav(Tone(3.3e38f)));
        return path;
    }

    [Fact]
    public void Reader_refuses_finite_samples_whose_log_mel_overflows()
    {
        using var dir = new TempDir();
        var path = LoudWav(dir);
        Assert.Equal(-1, Finite.FirstNonFinite(Tone(3.3e38f))); // finite: the old check let it through
        var e = Assert.Throws<EmolinguaException>(() => AudioFile.Read(path, 16000));
        Assert.Contains(path, e.Message);
        Assert.Contains("log-mel value would overflow", e.Message);
    }

    /// <summary>The bound is safe: audio right at it gives a finite log-mel and finite probabilities in both
    /// engines.</summary>
    [Theory]
    [InlineData(EngineKind.Torch)]
    [InlineData(EngineKind.Onnx)]
    public void Audio_at_the_amplitude_bound_gives_finite_probabilities(EngineKind engine)
    {
        using var dir = new TempDir();
        var path = dir.File("atbound.wav");
        var tone = Tone(SampleRange.MaxAmplitude);
        File.WriteAllBytes(path, FloatWav(tone));
        var mel = WhisperLogMel.ComputeOne(AudioFile.Read(path, 16000).Samples, 1.0);
        Assert.Equal(-1, Finite.FirstNonFinite(mel));
        using var recognizer = EmotionRecognizer.Load(bundles.Sane.Folder, engine);
        var p = recognizer.Predict(path);
        Assert.All(p.Probabilities.Values, v => Assert.True(float.IsFinite(v) && v >= 0 && v <= 1));
        Assert.Equal(1.0, p.Probabilities.Values.Sum(), 3);
        // Twice the bound is refused although float32 holds it.
        File.WriteAllBytes(path, FloatWav(Tone(2 * SampleRange.MaxAmplitude)));
        Assert.Throws<EmolinguaException>(() => recognizer.Predict(path));
    }

    [Theory]
    [InlineData(EngineKind.Torch)]
    [InlineData(EngineKind.Onnx)]
    public void Engines_refuse_to_return_non_finite_outputs(EngineKind engine)
    {
        using var recognizer = EmotionRecognizer.Load(bundles.Overflowing, engine);
        var e = Assert.Throws<NonFiniteOutputException>(() => recognizer.PredictClips([PredictTests.Varied(1.0, 3)]));
        Assert.Contains($"{engine.ToString().ToLowerInvariant()} engine", e.Message);
        Assert.Matches("NaN|infinity", e.Message);
    }

    /// <summary>An ONNX graph that passes its input through: a NaN window must not come out as a NaN
    /// probability.</summary>
    [Fact]
    public void Onnx_engine_checks_what_any_graph_returns()
    {
        var tiny = Path.Combine(AppContext.BaseDirectory, "fuzz", "seeds", "onnx", "tiny.onnx");
        using var engine = OnnxEmotionEngine.Load(tiny);
        var window = new float[16000];
        Assert.Equal(4, engine.Classify([window]).Probabilities[0].Length); // finite passes
        window[2] = float.NaN;
        var e = Assert.Throws<NonFiniteOutputException>(() => engine.Classify([window]));
        Assert.Contains("probability 2 of window 0 as NaN", e.Message);
        window[2] = 0;
        window[6] = float.PositiveInfinity;
        e = Assert.Throws<NonFiniteOutputException>(() => engine.Classify([window], embeddings: true));
        Assert.Contains("embedding value 6 of window 0 as +infinity", e.Message);
    }

    public static TheoryData<string, string> Paths =>
        new()
        {
            { "loud", "console" },
            { "loud", "json" },
            { "overflow", "console" },
            { "overflow", "json" },
        };

    /// <summary>predict on the console and with --json: one error line naming the file, nothing printed, no NaN
    /// anywhere.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Predict_prints_an_error_never_NaN(string cause, string output)
    {
        using var dir = new TempDir();
        string audio,
            model;
        if (cause == "loud")
        {
            audio = LoudWav(dir);
            model = bundles.Sane.Folder;
        }
        else
        {
            audio = dir.File("speech.wav");
            TestWav.WritePcm16Mono(audio, PredictTests.Varied(1.5, 4), 16000);
            model = bundles.Overflowing;
        }
        string[] args =
            output == "json" ? ["predict", "--model", model, "--json", audio] : ["predict", "--model", model, audio];
        var r = CliHarness.RunInProcess(args);
        CliHarness.AssertOneLineError(r, audio, cause == "loud" ? "overflow" : "outside what the model can read");
        Assert.Equal("", r.Out);
        // the error may name NaN, never print one as a probability
        Assert.DoesNotMatch(@"(angry|happy|neutral|sad)\W+(NaN|-?Infinity)", r.Err);
    }

    /// <summary>A CSV field that is a non-finite number (an error message may mention NaN; a value may not be
    /// one).</summary>
    private const string NonFiniteField = @"(?m)(^|,)\s*(NaN|-?Infinity|-?∞)\s*(,|$)";

    /// <summary>predict --out: the file gets an error row (no NaN written), the good file beside it its probabilities,
    /// exit status 1.</summary>
    [Fact]
    public void Predict_out_writes_an_error_row_never_NaN()
    {
        using var dir = new TempDir();
        var loud = LoudWav(dir);
        var good = dir.File("good.wav");
        TestWav.WritePcm16Mono(good, PredictTests.Varied(1.2, 5), 16000);
        var csv = dir.File("p.csv");
        var r = CliHarness.RunInProcess("predict", "--model", bundles.Sane.Folder, "--out", csv, loud, good);
        Assert.NotEqual(0, r.ExitCode);
        var text = File.ReadAllText(csv);
        Assert.DoesNotMatch(NonFiniteField, text);
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length); // header, loud (error), good
        Assert.Contains("overflow", rows.Single(l => l.Contains("loud.wav")));
        Assert.Matches(@"good\.wav,(angry|happy|neutral|sad),", rows.Single(l => l.Contains("good.wav")));

        // The overflowing model: every file an error row, nothing non-finite written.
        var csv2 = dir.File("p2.csv");
        r = CliHarness.RunInProcess("predict", "--model", bundles.Overflowing, "--out", csv2, good);
        Assert.NotEqual(0, r.ExitCode);
        var text2 = File.ReadAllText(csv2);
        Assert.DoesNotMatch(NonFiniteField, text2);
        Assert.Contains("outside what the model can read", text2);
    }
}

/// <summary>serve: the same two causes answer a JSON 4xx, never a 500 or NaN, and the server stays up.</summary>
[Collection("Console")]
public class NonFiniteServeTests(OverflowBundles bundles) : IClassFixture<OverflowBundles>
{
    [Fact]
    public async Task Serve_answers_4xx_json_for_loud_audio_and_an_overflowing_model()
    {
        using var server = Server.ServerProcess.Start("--model", Path.GetDirectoryName(bundles.Overflowing)!);
        using var http = server.Client();
        using var dir = new TempDir();
        var loud = await http.PostAsync(
            "api/predict",
            new ByteArrayContent(File.ReadAllBytes(NonFiniteOutputTests.LoudWav(dir)))
        );
        var loudBody = await loud.Content.ReadAsStringAsync();
        Assert.Equal(415, (int)loud.StatusCode);
        Assert.Contains("overflow", JsonDocument.Parse(loudBody).RootElement.GetProperty("error").GetString());

        var speech = dir.File("speech.wav");
        TestWav.WritePcm16Mono(speech, PredictTests.Varied(1.5, 4), 16000);
        var nan = await http.PostAsync("api/predict", new ByteArrayContent(File.ReadAllBytes(speech)));
        var nanBody = await nan.Content.ReadAsStringAsync();
        Assert.Equal(422, (int)nan.StatusCode);
        Assert.Equal("application/json", nan.Content.Headers.ContentType?.MediaType);
        Assert.Contains(
            "outside what the model can read",
            JsonDocument.Parse(nanBody).RootElement.GetProperty("error").GetString()
        );
        Assert.DoesNotContain("NaN\"", nanBody);
        Assert.Equal(
            "ok",
            JsonDocument.Parse(await http.GetStringAsync("api/health")).RootElement.GetProperty("status").GetString()
        );
    }
}
