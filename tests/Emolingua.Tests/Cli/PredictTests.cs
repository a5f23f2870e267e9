using System.Text.Json;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;

namespace Emolingua.Tests.Cli;

/// <summary>A tiny random model bundle (1-second window) shared by the predict and evaluate tests.</summary>
public sealed class TinyBundleFixture : IDisposable
{
    public const double Seconds = 1.0;
    public TempDir Dir { get; } = new();
    public string Folder => Path.Combine(Dir.Path, "run", "model");
    public EmotionClassifier Model { get; }

    public TinyBundleFixture() => Model = CliHarness.SaveTinyBundle(Folder, Seconds);

    public void Dispose()
    {
        Model.Dispose();
        Dir.Dispose();
    }
}

[Collection("Console")]
public class PredictTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private const int Window = 16000;

    /// <summary>A clip whose character changes every half second, so its windows get different probabilities.</summary>
    internal static float[] Varied(double seconds, int seed)
    {
        var voiced = TestWav.Voiced(seconds, 16000, seed);
        var rng = new Random(seed + 100);
        for (var i = 0; i < voiced.Length; i++)
        {
            var segment = i / 8000;
            voiced[i] = (segment % 3) switch
            {
                0 => voiced[i],
                1 => (float)(0.3 * (rng.NextDouble() * 2 - 1)),
                _ => 0.05f * voiced[i],
            };
        }
        return voiced;
    }

    private static string WriteWav(TempDir dir, string name, float[] samples)
    {
        var path = dir.File(name);
        TestWav.WritePcm16Mono(path, samples, 16000);
        return path;
    }

    private float[] ReferenceProbabilities(float[] clip, IEnumerable<int> starts) =>
        CliHarness.MeanWindowProbabilities(bundle.Model, clip, starts, TinyBundleFixture.Seconds);

    private static float[] Ordered(EmotionPrediction p) => Labels.Select(l => p.Probabilities[l]).ToArray();

    [Theory]
    [InlineData(16000, new[] { 0 })]
    [InlineData(10000, new[] { 0 })]
    [InlineData(16001, new[] { 0, 1 })]
    [InlineData(24000, new[] { 0, 8000 })]
    [InlineData(30000, new[] { 0, 8000, 14000 })]
    [InlineData(40000, new[] { 0, 8000, 16000, 24000 })]
    [InlineData(40001, new[] { 0, 8000, 16000, 24000, 24001 })]
    public void WindowStarts_HandComputed(int length, int[] expected) =>
        Assert.Equal(expected, AudioWindows.Starts(length, Window));

    /// <summary>
    /// The recognizer classifies a clip's windows as one batch, the reference one window at a time, and MKL's AVX2
    /// kernels round batched products differently (seen: 2.5e-5). Windows of these clips differ by more than 1e-3, so a
    /// wrong window or a missing average still fails.
    /// </summary>
    private const float Tolerance = 1e-4f;

    [Fact]
    public void PredictJson_OneObjectPerFile_ProbabilitiesSumToOne_LabelIsArgmax()
    {
        using var dir = new TempDir();
        var clips = new[] { Varied(1.0, 1), Varied(0.6, 2), Varied(2.5, 3) };
        var paths = clips.Select((c, i) => WriteWav(dir, $"clip{i}.wav", c)).ToArray();
        var r = CliHarness.RunInProcess([
            "predict",
            "--model",
            Path.GetDirectoryName(bundle.Folder)!,
            "--json",
            .. paths,
        ]);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(paths.Length, r.OutLines.Length);
        var starts = new[] { new[] { 0 }, new[] { 0 }, new[] { 0, 8000, 16000, 24000 } };
        for (var i = 0; i < paths.Length; i++)
        {
            using var doc = JsonDocument.Parse(r.OutLines[i]);
            var j = doc.RootElement;
            Assert.Equal(paths[i], j.GetProperty("path").GetString());
            var probs = j.GetProperty("probabilities");
            Assert.Equal(Labels, probs.EnumerateObject().Select(p => p.Name));
            var p = Labels.Select(l => probs.GetProperty(l).GetDouble()).ToArray();
            Assert.InRange(p.Sum(), 1 - 1e-5, 1 + 1e-5);
            Assert.Equal(Labels[Array.IndexOf(p, p.Max())], j.GetProperty("label").GetString());
            // Independent reference: the model run directly on each window (PCM16-quantised samples as the file holds
            // them).
            var expected = ReferenceProbabilities(TestWav.ReadPcm16Mono(paths[i]), starts[i]);
            for (var k = 0; k < 4; k++)
                Assert.InRange(p[k], expected[k] - 1e-5, expected[k] + 1e-5);
        }
    }

    [Fact]
    public void LongClip_ProbabilitiesAreTheMeanOfTheWindows()
    {
        using var dir = new TempDir();
        var path = WriteWav(dir, "long.wav", Varied(2.5, 5));
        var clip = TestWav.ReadPcm16Mono(path);
        int[] starts = [0, 8000, 16000, 24000];
        Assert.Equal(starts, AudioWindows.Starts(clip.Length, Window));
        using var recognizer = EmotionRecognizer.Load(Path.GetDirectoryName(bundle.Folder)!);
        var actual = Ordered(recognizer.Predict(path));
        var expected = ReferenceProbabilities(clip, starts);
        for (var k = 0; k < 4; k++)
            Assert.InRange(actual[k], expected[k] - Tolerance, expected[k] + Tolerance);
        // The windows must disagree, or "mean of windows" could not be told from "first window".
        var first = ReferenceProbabilities(clip, [0]);
        Assert.True(
            Enumerable.Range(0, 4).Max(k => MathF.Abs(first[k] - expected[k])) > 1e-3,
            $"windows give the same probabilities: test is vacuous: {string.Join(",", first)} vs {string.Join(",", expected)}"
        );
    }

    [Fact]
    public void LongClip_OneSegmentPerWindow_WithItsTimeRangeAndOwnProbabilities()
    {
        using var dir = new TempDir();
        var path = WriteWav(dir, "long.wav", Varied(2.5, 6));
        var clip = TestWav.ReadPcm16Mono(path);
        using var recognizer = EmotionRecognizer.Load(Path.GetDirectoryName(bundle.Folder)!);
        var p = recognizer.Predict(path);
        Assert.Equal(2.5, p.DurationSeconds, 6);
        // Hand-computed windows of a 2.5 s clip with a 1 s window and 0.5 s hop: the last one ends at the clip's end.
        Assert.Equal(
            new[] { (0.0, 1.0), (0.5, 1.5), (1.0, 2.0), (1.5, 2.5) },
            p.Segments.Select(s => (s.StartSeconds, s.EndSeconds))
        );
        foreach (var s in p.Segments)
        {
            var expected = ReferenceProbabilities(clip, [(int)(s.StartSeconds * 16000)]);
            var actual = Ordered(new EmotionPrediction(s.Label, s.Probabilities));
            for (var k = 0; k < 4; k++)
                Assert.InRange(actual[k], expected[k] - Tolerance, expected[k] + Tolerance);
            Assert.Equal(Labels[Array.IndexOf(expected, expected.Max())], s.Label);
        }
        // A clip shorter than the window: one segment covering exactly the audio (not the padding).
        var shortClip = recognizer.Predict(Varied(0.6, 7), 16000);
        Assert.Equal(
            (0.0, 0.6),
            (shortClip.Segments.Single().StartSeconds, Math.Round(shortClip.Segments.Single().EndSeconds, 6))
        );
    }

    [Fact]
    public void CalibratedModel_ReportsSoftmaxOfLogitsOverT_InTheApiAndTheCli()
    {
        using var dir = new TempDir();
        const double t = 2.5;
        var modelDir = Path.Combine(dir.Path, "calibrated");
        Directory.CreateDirectory(modelDir);
        foreach (var f in Directory.GetFiles(bundle.Folder))
            File.Copy(f, Path.Combine(modelDir, Path.GetFileName(f)));
        File.WriteAllText(
            Path.Combine(modelDir, "calibration.json"),
            $"{{\"method\": \"temperature_scaling\", \"temperature\": {t}}}"
        );
        var path = WriteWav(dir, "long.wav", Varied(2.5, 31));
        var clip = TestWav.ReadPcm16Mono(path);

        // Independent reference: each window's logits from the model, divided by T, softmax in double, averaged.
        var expected = new double[4];
        foreach (var s in new[] { 0, 8000, 16000, 24000 })
        {
            var z = CliHarness
                .WindowLogits(bundle.Model, clip[s..(s + Window)], TinyBundleFixture.Seconds)
                .Select(v => v / t)
                .ToArray();
            var e = z.Select(v => Math.Exp(v - z.Max())).ToArray();
            for (var k = 0; k < 4; k++)
                expected[k] += e[k] / e.Sum() / 4;
        }
        using (var recognizer = EmotionRecognizer.Load(modelDir))
        {
            Assert.Equal(t, recognizer.Temperature);
            var actual = Ordered(recognizer.Predict(path));
            for (var k = 0; k < 4; k++)
                Assert.InRange(actual[k], expected[k] - Tolerance, expected[k] + Tolerance);
        }
        var uncalibrated = ReferenceProbabilities(clip, [0, 8000, 16000, 24000]);
        Assert.True(
            Enumerable.Range(0, 4).Max(k => Math.Abs(uncalibrated[k] - expected[k])) > 1e-2,
            "T = 2.5 must change the probabilities, or the test is vacuous"
        );

        var r = CliHarness.RunInProcess("predict", "--model", modelDir, "--json", path);
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.OutLines.Single());
        for (var k = 0; k < 4; k++)
        {
            Assert.InRange(
                doc.RootElement.GetProperty("probabilities").GetProperty(Labels[k]).GetDouble(),
                expected[k] - 1e-5,
                expected[k] + 1e-5
            );
        }
        // A model folder without calibration.json keeps T = 1 (runs trained before calibration existed).
        using var plain = EmotionRecognizer.Load(bundle.Folder);
        Assert.Equal(1.0, plain.Temperature);
    }

    /// <summary>A band-limited signal (harmonics below 2 kHz) sampled at <paramref name="rate"/>.</summary>
    private static float[] Clean(double seconds, int rate)
    {
        var x = new float[(int)(seconds * rate)];
        for (var i = 0; i < x.Length; i++)
        {
            double t = (double)i / rate,
                v = 0;
            for (var h = 1; h <= 8; h++)
                v += Math.Sin(2 * Math.PI * 180 * h * t + 0.3 * h) / h;
            x[i] = (float)(0.25 * (0.6 + 0.4 * Math.Sin(2 * Math.PI * 2.5 * t)) * v);
        }
        return x;
    }

    [Fact]
    public void PredictSamples_48kHzAndSameSignalAt16kHz_Agree()
    {
        using var recognizer = EmotionRecognizer.Load(bundle.Folder);
        var at16 = Ordered(recognizer.Predict(Clean(1.7, 16000), 16000));
        var at48 = Ordered(recognizer.Predict(Clean(1.7, 48000), 48000));
        var other = Ordered(recognizer.Predict(Varied(1.7, 9), 16000));
        for (var k = 0; k < 4; k++)
            Assert.InRange(at48[k], at16[k] - 2e-3, at16[k] + 2e-3);
        // ...while a different signal is told apart, so the tolerance is meaningful.
        Assert.True(
            Enumerable.Range(0, 4).Max(k => MathF.Abs(other[k] - at16[k])) > 1e-2,
            $"{string.Join(",", other)} vs {string.Join(",", at16)}"
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => recognizer.Predict(Clean(0.5, 16000), 0));
    }

    [Fact]
    public void ConcurrentPredictions_EqualSequentialOnes()
    {
        using var recognizer = EmotionRecognizer.Load(bundle.Folder);
        var clips = Enumerable.Range(0, 8).Select(i => Varied(0.8 + 0.25 * i, 20 + i)).ToArray();
        var sequential = clips.Select(c => Ordered(recognizer.Predict(c, 16000))).ToArray();
        var concurrent = new float[clips.Length][];
        var threads = Enumerable
            .Range(0, 4)
            .Select(t => new Thread(() =>
            {
                for (var rep = 0; rep < 2; rep++)
                {
                    for (var i = t; i < clips.Length; i += 4)
                        concurrent[i] = Ordered(recognizer.Predict(clips[i], 16000));
                }
            }))
            .ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (var i = 0; i < clips.Length; i++)
            Assert.Equal(sequential[i], concurrent[i]);
    }

    [Fact]
    public void AfterDispose_PredictThrowsObjectDisposed()
    {
        var recognizer = EmotionRecognizer.Load(bundle.Folder);
        Assert.Equal(Labels, recognizer.Labels);
        recognizer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => recognizer.Predict(Clean(1, 16000), 16000));
        recognizer.Dispose(); // idempotent
    }
}
