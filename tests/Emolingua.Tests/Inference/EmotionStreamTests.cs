using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Tests.Audio;
using Emolingua.Tests.Cli;
using static TorchSharp.torch;

namespace Emolingua.Tests.Inference;

/// <summary>
/// The tiny 1-second bundle of the CLI tests with its logits scaled down 8×. That bundle's head is normalised by the
/// spread of a random encoder's embeddings, which is tiny, so it magnifies the last-digit differences libtorch and
/// ONNX Runtime make between a batch of 1 and a batch of N windows up to 2e-5 in the probabilities; a trained model's
/// are 1e-7. Scaled, its windows still differ by more than 1e-3 (asserted below), so a misplaced window fails.
/// </summary>
public sealed class StreamBundleFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Folder => Path.Combine(Dir.Path, "run", "model");

    public StreamBundleFixture()
    {
        using var model = CliHarness.SaveTinyBundle(Path.Combine(Dir.Path, "sharp"), 1.0);
        using (no_grad())
            model.head.fc2.weight!.mul_(0.125);
        ModelBundle.Save(Folder, model, 1.0, "baseline");
    }

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// The streaming invariant: a file pushed into an <see cref="EmotionStream"/> in random-sized chunks (1 sample to 3 s)
/// gives exactly the windows of predict --segments on that file (the library's Predict(path), which is what the CLI
/// prints), their probabilities within 1e-5, and the same whole-file result, for every chunking, at 8, 16, 44.1 and
/// 48 kHz, with both engines. Clip lengths cover the edge cases of the end: shorter than the window, exactly one
/// window, one window plus a hop (the last regular window ends at the end), and lengths in between.
/// </summary>
public class EmotionStreamTests(StreamBundleFixture bundle) : IClassFixture<StreamBundleFixture>
{
    private const float Tolerance = 1e-5f;
    private static readonly double[] Durations = [0.31, 1.0, 1.5, 1.73, 6.37];

    public static TheoryData<int, string> Cases() =>
        new()
        {
            { 16000, "torch" },
            { 8000, "torch" },
            { 44100, "torch" },
            { 48000, "torch" },
            { 16000, "onnx" },
            { 44100, "onnx" },
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChunkedStream_GivesPredictSegments_ForEveryChunking(int rate, string engine)
    {
        using var dir = new TempDir();
        using var recognizer = EmotionRecognizer.Load(
            bundle.Folder,
            engine == "onnx" ? EngineKind.Onnx : EngineKind.Torch
        );
        foreach (var seconds in Durations)
        {
            var pcm = Pcm16(PredictTests.Varied(seconds, seed: (int)(seconds * 100)), rate, seconds);
            var path = dir.File($"clip-{rate}-{seconds}.wav");
            WritePcm16(path, pcm, rate);
            var expected = recognizer.Predict(path);
            for (var chunking = 0; chunking < 3; chunking++)
            {
                var rng = new Random(rate + chunking * 7919 + (int)(seconds * 1000));
                var stream = recognizer.OpenStream(new StreamOptions { SampleRate = rate });
                var events = new List<StreamEvent>();
                var at = 0;
                foreach (var size in StreamingResamplerTests.RandomChunks(rng, pcm.Length, rate))
                {
                    // Half the chunks as 16-bit PCM, half as floats: both must read as the WAV reader reads the file.
                    events.AddRange(
                        rng.Next(2) == 0
                            ? stream.Push(pcm.AsSpan(at, size))
                            : stream.Push(pcm.AsSpan(at, size).ToArray().Select(s => s / 32768f).ToArray())
                    );
                    at += size;
                }
                var result = stream.Complete();
                events.AddRange(result.Events);
                AssertSame(expected, events, result.Prediction, $"{engine} {rate} Hz {seconds} s chunking {chunking}");
            }
        }
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(16000)]
    [InlineData(44100)]
    [InlineData(48000)]
    public void ChunkedStream_CutsTheSamplesPredictClassifies_BitForBit(int rate)
    {
        using var dir = new TempDir();
        foreach (var seconds in Durations)
        {
            var pcm = Pcm16(PredictTests.Varied(seconds, seed: 3), rate, seconds);
            var path = dir.File("clip.wav");
            WritePcm16(path, pcm, rate);
            // predict's windows of the decoded file
            var expected = AudioWindows.Plan([AudioFile.Read(path, 16000).Samples], 16000);
            for (var chunking = 0; chunking < 4; chunking++)
            {
                var rng = new Random(chunking + rate);
                var windower = new StreamWindower(1.0, new StreamOptions { SampleRate = rate });
                var windows = new List<StreamWindow>();
                var at = 0;
                foreach (var size in StreamingResamplerTests.RandomChunks(rng, pcm.Length, rate))
                {
                    windows.AddRange(windower.Push(pcm.AsSpan(at, size).ToArray().Select(s => s / 32768f).ToArray()));
                    at += size;
                }
                windows.AddRange(windower.Complete());
                Assert.Equal(expected.Select(w => (w.Start, w.Length)), windows.Select(w => ((int)w.Start, w.Length)));
                for (var i = 0; i < windows.Count; i++)
                {
                    Assert.True(
                        expected[i].Samples.AsSpan().SequenceEqual(windows[i].Samples),
                        $"{rate} Hz {seconds} s chunking {chunking}: window {i} differs"
                    );
                }
            }
        }
    }

    [Fact]
    public void OneSampleAtATime_GivesPredictSegments_AndWindowsArriveWhileStreaming()
    {
        using var dir = new TempDir();
        using var recognizer = EmotionRecognizer.Load(bundle.Folder);
        var pcm = Pcm16(PredictTests.Varied(2.6, seed: 5), 8000, 2.6);
        var path = dir.File("clip.wav");
        WritePcm16(path, pcm, 8000);
        var expected = recognizer.Predict(path);
        var stream = recognizer.OpenStream(new StreamOptions { SampleRate = 8000 });
        var events = new List<StreamEvent>();
        var arrivedAt = new List<int>();
        for (var i = 0; i < pcm.Length; i++)
        {
            foreach (var e in stream.Push(pcm.AsSpan(i, 1)))
            {
                events.Add(e);
                arrivedAt.Add(i);
            }
        }

        var result = stream.Complete();
        // 1-second windows every 0.5 s at 8 kHz: window k is complete at input sample 8000 + 4000k, give or take the
        // resampler's few ms.
        Assert.Equal(4, events.Count);
        for (var k = 0; k < 4; k++)
            Assert.InRange(arrivedAt[k], 8000 + 4000 * k - 1, 8000 + 4000 * k + 100);
        events.AddRange(result.Events);
        AssertSame(expected, events, result.Prediction, "one sample at a time");
    }

    [Fact]
    public void Smoothing_IsTheMeanOfTheLastWindows_AndSpeechGatingSkipsSilence()
    {
        using var recognizer = EmotionRecognizer.Load(bundle.Folder);
        // 3 s of speech, 2 s of digital silence, 2 s of speech at a whisper 50 dB down: with vad 30 dB the windows
        // lying wholly in the silence or the whisper are silence.
        var speech = TestWav.Voiced(3, 16000, seed: 9);
        var clip = speech
            .Concat(new float[32000])
            .Concat(TestWav.Voiced(2, 16000, seed: 4).Select(x => x * 0.003f))
            .ToArray();
        var stream = recognizer.OpenStream(new StreamOptions { Smooth = 2, VadDecibels = 30 });
        var events = stream.Push(clip).ToList();
        var result = stream.Complete();
        events.AddRange(result.Events);
        var windows = events.OfType<WindowEvent>().ToList();
        var silences = events.OfType<SilenceEvent>().ToList();
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Index));
        Assert.All(silences, s =>
            Assert.True(s.StartSeconds >= 3.0, $"silence at {s.StartSeconds} s lies in the speech")
        );
        Assert.Contains(silences, s => s.StartSeconds == 3.5 && s.EndSeconds == 4.5); // digital silence
        Assert.Contains(silences, s => s.StartSeconds == 5.5 && s.EndSeconds == 6.5); // 50 dB below the loudest second
        Assert.All(windows, w => Assert.True(w.StartSeconds < 3.0, $"window at {w.StartSeconds} s classified"));
        // Smoothed label: the top class of the mean of this window's and the previous scored window's probabilities.
        for (var i = 0; i < windows.Count; i++)
        {
            var mean = recognizer
                .Labels.Select(l =>
                    (
                        windows[i].Probabilities[l]
                        + (i > 0 ? windows[i - 1].Probabilities[l] : windows[i].Probabilities[l])
                    ) / 2
                )
                .ToList();
            Assert.Equal(recognizer.Labels[mean.IndexOf(mean.Max())], windows[i].SmoothedLabel);
        }
        // The whole-stream result averages the windows with speech only.
        foreach (var l in recognizer.Labels)
            Assert.Equal(windows.Average(w => (double)w.Probabilities[l]), result.Prediction.Probabilities[l], 5);
    }

    [Fact]
    public void AllSilence_EndsAsSilence_WithoutInference()
    {
        var calls = 0;
        var stream = new EmotionStream(
            ["angry", "happy", "neutral", "sad"],
            1.0,
            new StreamOptions { VadDecibels = 30 },
            w =>
            {
                calls++;
                return [];
            }
        );
        var events = stream.Push(new float[40000]).ToList();
        var result = stream.Complete();
        events.AddRange(result.Events);
        Assert.Equal(0, calls);
        Assert.Equal(4, events.Count); // windows at 0, 0.5, 1 and 1.5 s, the last ending at the end
        Assert.All(events, e => Assert.IsType<SilenceEvent>(e));
        Assert.Equal("silence", result.Prediction.Label);
        Assert.Equal(0, result.Prediction.Confidence);
        Assert.Equal("silence", result.Prediction.LabelAt(0.5)); // no class, so never "uncertain" either
        Assert.Equal(2.5, result.Prediction.DurationSeconds);
    }

    [Fact]
    public void BadInput_IsRefusedInOneLine()
    {
        using var recognizer = EmotionRecognizer.Load(bundle.Folder);
        Assert.Contains(
            "sample 1 is NaN",
            Assert
                .Throws<Emolingua.Util.EmolinguaException>(() => recognizer.OpenStream().Push([0f, float.NaN]))
                .Message
        );
        Assert.Contains(
            "sample_rate 100",
            Assert
                .Throws<Emolingua.Util.EmolinguaException>(() =>
                    recognizer.OpenStream(new StreamOptions { SampleRate = 100 })
                )
                .Message
        );
        Assert.Contains(
            "hop_s 2",
            Assert
                .Throws<Emolingua.Util.EmolinguaException>(() =>
                    recognizer.OpenStream(new StreamOptions { HopSeconds = 2 })
                )
                .Message
        );
        Assert.Contains(
            "empty audio",
            Assert.Throws<Emolingua.Util.EmolinguaException>(() => recognizer.OpenStream().Complete()).Message
        );
    }

    /// <summary>A mono PCM16 WAV of exactly these values.</summary>
    internal static void WritePcm16(string path, short[] pcm, int rate)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8);
        w.Write(36 + 2 * pcm.Length);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(rate);
        w.Write(rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(2 * pcm.Length);
        foreach (var s in pcm)
            w.Write(s);
    }

    /// <summary>The clip as the 16-bit values a WAV file at <paramref name="rate"/> holds.</summary>
    private static short[] Pcm16(float[] samples16k, int rate, double seconds)
    {
        var resampled = rate == 16000 ? samples16k : Emolingua.Audio.Resampler.Resample(samples16k, 16000, rate);
        var n = (int)Math.Round(seconds * rate);
        return Enumerable
            .Range(0, n)
            .Select(i =>
                (short)Math.Clamp(MathF.Round((i < resampled.Length ? resampled[i] : 0) * 32767f), -32768, 32767)
            )
            .ToArray();
    }

    internal static void AssertSame(
        EmotionPrediction expected,
        IReadOnlyList<StreamEvent> events,
        EmotionPrediction actual,
        string what
    )
    {
        var windows = events.Cast<WindowEvent>().ToList();
        Assert.True(
            expected.Segments.Count == windows.Count,
            $"{what}: {windows.Count} windows, predict --segments has {expected.Segments.Count}"
        );
        for (var i = 0; i < windows.Count; i++)
        {
            var (e, w) = (expected.Segments[i], windows[i]);
            Assert.True(
                i == w.Index && e.StartSeconds == w.StartSeconds && e.EndSeconds == w.EndSeconds && e.Label == w.Label,
                $"{what}: window {i} is [{w.StartSeconds}, {w.EndSeconds}) {w.Label}, predict has [{e.StartSeconds}, {e.EndSeconds}) {e.Label}"
            );
            foreach (var (label, p) in e.Probabilities)
            {
                Assert.True(
                    MathF.Abs(p - w.Probabilities[label]) <= Tolerance,
                    $"{what}: window {i} {label} {w.Probabilities[label]} vs {p}"
                );
            }
        }
        // Windows that differ by less than the tolerance would let a misplaced window pass.
        for (var i = 1; i < windows.Count; i++)
        {
            if (windows[i].StartSeconds - windows[i - 1].StartSeconds >= 0.5)
            {
                Assert.True(
                    expected.Probabilities.Keys.Max(l =>
                        MathF.Abs(windows[i].Probabilities[l] - windows[i - 1].Probabilities[l])
                    ) > 1e-3,
                    $"{what}: windows {i - 1} and {i} are too alike for this test"
                );
            }
        }

        Assert.Equal(expected.Label, actual.Label);
        Assert.Equal(expected.DurationSeconds, actual.DurationSeconds);
        foreach (var (label, p) in expected.Probabilities)
        {
            Assert.True(
                MathF.Abs(p - actual.Probabilities[label]) <= Tolerance,
                $"{what}: whole stream {label} {actual.Probabilities[label]} vs {p}"
            );
        }
    }
}
