using System.Text.Json;
using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Models.Onnx;
using Emolingua.Tests.Cli;
using Emolingua.Util;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Emolingua.Tests.Inference;

/// <summary>The Whisper parity fixture (whisper-tiny-random: d_model 64, 2 layers, 4 heads) wrapped into a 4 s model
/// bundle with a head, and its export.</summary>
public sealed class WhisperFixtureBundle : IDisposable
{
    public const double Seconds = 4;
    public TempDir Dir { get; } = new();
    public string Folder => Path.Combine(Dir.Path, "run", "model");
    public string OnnxPath => Dir.File("fixture.onnx");
    public EmotionClassifier Model { get; }

    public WhisperFixtureBundle()
    {
        var encoder = WhisperCheckpoint.Resolve(Fixtures.TinyModel).LoadEncoder(WhisperAudio.PositionsFor(Seconds));
        Model = CliHarness.SaveTinyBundle(Folder, Seconds, seed: 11, encoder: encoder);
        OnnxExport.Export(Path.GetDirectoryName(Folder)!, OnnxPath);
    }

    public void Dispose()
    {
        Model.Dispose();
        Dir.Dispose();
    }
}

[Collection("Console")]
public class OnnxExportTests(WhisperFixtureBundle bundle, ITestOutputHelper output)
    : IClassFixture<WhisperFixtureBundle>
{
    private static readonly string[] Stems = ["burst_4s", "chirp_1p2s", "voiced_5p5s"];
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private static int Window => WhisperAudio.SamplesFor(WhisperFixtureBundle.Seconds);

    private static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();
    }

    /// <summary>Seven 4 s windows: the three fixture clips (first 4 s, zero-padded) and four generated speech-like
    /// ones.</summary>
    private static List<float[]> SevenWindows() =>
        Stems
            .Select(s => WaveformOps.CropOrPad(TestWav.ReadPcm16Mono(Fixtures.Input(s + ".wav")), Window))
            .Concat(
                Enumerable
                    .Range(0, 4)
                    .Select(i => WaveformOps.CropOrPad(TestWav.Voiced(3 + 0.4 * i, 16000, seed: 40 + i), Window))
            )
            .ToList();

    [Fact]
    public void FixtureDims_OnnxRuntimeMatchesTorchSharpAndThePythonReimplementation_InBatchesOf7And1()
    {
        var windows = SevenWindows();
        var (torchProbs, torchEmb) = bundle.Model.ClassifyWindows(windows, embeddings: true);
        using var batch7 = OnnxEmotionEngine.Load(bundle.OnnxPath, batchSize: 7);
        using var batch1 = OnnxEmotionEngine.Load(bundle.OnnxPath, batchSize: 1);
        var (p7, e7) = batch7.Classify(windows, embeddings: true);
        var (p1, e1) = batch1.Classify(windows, embeddings: true);
        for (var i = 0; i < windows.Count; i++)
        {
            Assert.True(
                MaxAbsDiff(torchProbs[i], p7[i]) <= 1e-4f,
                $"window {i}: probabilities differ by {MaxAbsDiff(torchProbs[i], p7[i])}"
            );
            Assert.True(
                MaxAbsDiff(torchEmb![i], e7![i]) <= 1e-4f,
                $"window {i}: embeddings differ by {MaxAbsDiff(torchEmb[i], e7[i])}"
            );
            Assert.True(
                MaxAbsDiff(p7[i], p1[i]) <= 1e-5f && MaxAbsDiff(e7[i], e1![i]) <= 1e-5f,
                $"window {i}: batch of 7 and batch of 1 differ"
            );
        }
        output.WriteLine(
            $"max |ONNX − torch|: probabilities {Enumerable.Range(0, 7).Max(i => MaxAbsDiff(torchProbs[i], p7[i])):E2}, embeddings {Enumerable.Range(0, 7).Max(i => MaxAbsDiff(torchEmb![i], e7![i])):E2}"
        );
        // The embedding against the fixtures: regenerate.py's float64 PyTorch re-implementation of HF's WhisperEncoder,
        // time-mean.
        for (var s = 0; s < Stems.Length; s++)
        {
            var expected = Npy.Read(Fixtures.Expected($"pooled_{Stems[s]}_4s.npy")).Data;
            Assert.True(
                MaxAbsDiff(expected, e7![s]) <= 1e-4f,
                $"{Stems[s]}: ONNX embedding differs from the Python re-implementation (fixture) by {MaxAbsDiff(expected, e7[s])}"
            );
        }
        // The inputs are told apart, so the tolerances mean something.
        Assert.True(
            MaxAbsDiff(p7[0], p7[2]) > 1e-2f,
            "the fixture clips get the same probabilities: the test is vacuous"
        );
    }

    /// <summary>The encoder-only graph that `bench encoder --engine onnx` times, against the hidden states of the
    /// fixtures' Python re-implementation of the encoder.</summary>
    [Theory]
    [InlineData("burst_4s")]
    [InlineData("voiced_5p5s")]
    public void EncoderGraph_MatchesThePythonReimplementationsHiddenStates(string stem)
    {
        using var encoder = WhisperCheckpoint.Resolve(Fixtures.TinyModel).LoadEncoder(200);
        var state = encoder.state_dict();
        var graph = OnnxExport.EncoderModel(encoder.Config, 200, name =>
            (state[name].data<float>().ToArray(), state[name].shape)
        );
        using var session = OnnxSessions.Open(Google.Protobuf.MessageExtensions.ToByteArray(graph), threads: 1);
        var mel = Npy.Read(Fixtures.Expected($"logmel_{stem}_4s.npy")); // [80, 400]
        using var input = OrtValue.CreateTensorValueFromMemory(mel.Data, [1, 80, 400]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxExport.Mel], [input], [OnnxExport.Hidden]);
        Assert.Equal([1L, 200L, 64L], outputs[0].GetTensorTypeAndShape().Shape);
        var expected = Npy.Read(Fixtures.Expected($"hidden_{stem}_4s.npy")).Data; // [200, 64]
        var diff = MaxAbsDiff(expected, outputs[0].GetTensorDataAsSpan<float>().ToArray());
        Assert.True(diff <= 1e-4f, $"hidden states differ from the Python re-implementation (fixture) by {diff}");
    }

    [Fact]
    public void Metadata_DescribesTheModel()
    {
        using var engine = OnnxEmotionEngine.Load(bundle.OnnxPath);
        var m = engine.Metadata;
        Assert.Equal(Labels, JsonSerializer.Deserialize<string[]>(m["labels"]));
        Assert.Equal("16000", m["sample_rate"]);
        Assert.Equal("4", m["window_seconds"]);
        Assert.Equal("80", m["n_mels"]);
        Assert.Equal("baseline", m["method"]);
        Assert.Equal(VersionInfo.Version, m["emolingua_version"]);
        Assert.Equal("none", m["quantization"]);
        Assert.Contains("64000", m["usage"]);
        Assert.Contains("50 % overlap", m["usage"]);
        Assert.True(m.ContainsKey("recipe") && m.ContainsKey("seed"));
        Assert.Equal((4.0, "baseline"), (engine.Seconds, engine.Method));
        Assert.Equal(Labels, engine.Labels);
        // The graph's interface: a dynamic batch dimension, fixed window, opset 17.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(bundle.OnnxPath));
        Assert.Equal(17, model.OpsetImport.Single(o => o.Domain == "").Version);
        var input = model.Graph.Input.Single();
        Assert.Equal("waveform", input.Name);
        Assert.Equal(
            ("batch", 64000L),
            (input.Type.TensorType.Shape.Dim[0].DimParam, input.Type.TensorType.Shape.Dim[1].DimValue)
        );
        Assert.Equal(["probabilities", "embedding"], model.Graph.Output.Select(o => o.Name));
        Assert.Equal([4L, 64L], model.Graph.Output.Select(o => o.Type.TensorType.Shape.Dim[1].DimValue));
    }

    /// <summary>The op types of the graph ONNX Runtime runs after its optimisations (ORT_ENABLE_ALL, as the engine
    /// opens it).</summary>
    private static List<string> OptimizedOps(string onnxPath)
    {
        using var dir = new TempDir();
        using (var options = OnnxSessions.Options(threads: 1))
        {
            Assert.Equal(GraphOptimizationLevel.ORT_ENABLE_ALL, options.GraphOptimizationLevel);
            options.OptimizedModelFilePath = dir.File("optimized.onnx");
            using var session = new InferenceSession(onnxPath, options);
        }
        return ModelProto
            .Parser.ParseFrom(File.ReadAllBytes(dir.File("optimized.onnx")))
            .Graph.Node.Select(n => n.OpType)
            .ToList();
    }

    [Fact]
    public void OnnxRuntimeWithAllOptimisations_FusesGeluLayerNormAndTheInt8Chains()
    {
        var ops = OptimizedOps(bundle.OnnxPath);
        output.WriteLine("FP32: " + string.Join(", ", ops.GroupBy(o => o).Select(g => $"{g.Key} ×{g.Count()}")));
        // 2 conv GELUs + one per layer (2 layers), each fused into one kernel; no Erf left over.
        Assert.Equal(4, ops.Count(o => o is "Gelu" or "BiasGelu"));
        Assert.DoesNotContain("Erf", ops);
        Assert.Equal(5, ops.Count(o => o is "LayerNormalization" or "SkipLayerNormalization"));

        using var dir = new TempDir();
        OnnxExport.Export(bundle.Folder, dir.File("int8.onnx"), OnnxQuantization.Int8);
        var int8 = OptimizedOps(dir.File("int8.onnx"));
        output.WriteLine("INT8: " + string.Join(", ", int8.GroupBy(o => o).Select(g => $"{g.Key} ×{g.Count()}")));
        // 4 quantized Linears per layer (qkv, out_proj, fc1, fc2), each one fused kernel.
        Assert.Equal(8, int8.Count(o => o is "DynamicQuantizeMatMul" or "MatMulIntegerToFloat"));
        Assert.DoesNotContain("MatMulInteger", int8);
    }

    [Fact]
    public void Recognizer_OverOnnxEqualsOverTorch_SegmentsIncluded()
    {
        var clips = new[] { TestWav.Voiced(9.3, 16000, seed: 3), TestWav.Voiced(2.2, 16000, seed: 4) };
        using var torch = EmotionRecognizer.Load(Path.GetDirectoryName(bundle.Folder)!);
        using var onnx = EmotionRecognizer.Load(bundle.OnnxPath);
        using var exportedInMemory = EmotionRecognizer.Load(bundle.Folder, EngineKind.Onnx);
        Assert.Equal(("torch", "onnx", "onnx"), (torch.Engine, onnx.Engine, exportedInMemory.Engine));
        var expected = torch.PredictClips(clips);
        foreach (var recognizer in new[] { onnx, exportedInMemory })
        {
            var actual = recognizer.PredictClips(clips);
            for (var c = 0; c < clips.Length; c++)
            {
                Assert.Equal(expected[c].Label, actual[c].Label);
                Assert.Equal(expected[c].DurationSeconds, actual[c].DurationSeconds);
                foreach (var l in Labels)
                {
                    Assert.InRange(
                        actual[c].Probabilities[l],
                        expected[c].Probabilities[l] - 1e-4f,
                        expected[c].Probabilities[l] + 1e-4f
                    );
                }

                Assert.Equal(expected[c].Segments.Count, actual[c].Segments.Count);
                for (var s = 0; s < expected[c].Segments.Count; s++)
                {
                    var (e, a) = (expected[c].Segments[s], actual[c].Segments[s]);
                    Assert.Equal((e.StartSeconds, e.EndSeconds, e.Label), (a.StartSeconds, a.EndSeconds, a.Label));
                    foreach (var l in Labels)
                        Assert.InRange(a.Probabilities[l], e.Probabilities[l] - 1e-4f, e.Probabilities[l] + 1e-4f);
                }
            }
        }
        // 9.3 s with 4 s windows every 2 s: starts 0, 2, 4 and 5.3 (the last ends at the clip's end).
        Assert.Equal([0.0, 2.0, 4.0, 5.3], expected[0].Segments.Select(s => Math.Round(s.StartSeconds, 6)));
    }

    [Fact]
    public void BadInputs_GiveOneLineErrors_AndLeaveExistingFilesAlone()
    {
        using var dir = new TempDir();
        var existing = dir.File("existing.onnx");
        File.WriteAllText(existing, "keep me");

        // Not a model folder.
        var r = CliHarness.RunInProcess("export", "--model", dir.Path, "--out", existing);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(
            $"error: {dir.Path}: not a trained model: no model/config.json (train one with ./emolingua train)",
            r.Err.Trim()
        );
        Assert.Equal("keep me", File.ReadAllText(existing));

        // An unwritable place: the folder is a file.
        var blocker = dir.File("blocker");
        File.WriteAllText(blocker, "");
        r = CliHarness.RunInProcess("export", "--model", bundle.Folder, "--out", Path.Combine(blocker, "model.onnx"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.StartsWith($"error: {Path.Combine(blocker, "model.onnx")}: cannot write the ONNX file", r.Err);

        // An unknown quantization.
        r = CliHarness.RunInProcess(
            "export",
            "--model",
            bundle.Folder,
            "--out",
            dir.File("x.onnx"),
            "--quantize",
            "int4"
        );
        Assert.Equal(
            "error: export: option --quantize: 'int4' is not supported (int8) (see ./emolingua help export)",
            r.Err.Trim()
        );
        Assert.False(File.Exists(dir.File("x.onnx")));

        // A corrupt .onnx given to predict, and an ONNX file asked to run in TorchSharp.
        var corrupt = dir.File("corrupt.onnx");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(bundle.OnnxPath).AsSpan(0, 5000).ToArray());
        var wav = dir.File("clip.wav");
        TestWav.WritePcm16Mono(wav, TestWav.Voiced(1, 16000), 16000);
        r = CliHarness.RunInProcess("predict", "--model", corrupt, wav);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.StartsWith($"error: {corrupt}: not a valid ONNX model", r.Err);
        Assert.Equal("", r.Out);
        r = CliHarness.RunInProcess("predict", "--model", bundle.OnnxPath, "--engine", "torch", wav);
        Assert.Equal(
            $"error: {bundle.OnnxPath}: an ONNX file runs with the onnx engine; TorchSharp reads run or model folders",
            r.Err.Trim()
        );
        r = CliHarness.RunInProcess("predict", "--model", bundle.OnnxPath, "--engine", "tensorflow", wav);
        Assert.Equal(
            "error: predict: option --engine: 'tensorflow' is not torch or onnx (see ./emolingua help predict)",
            r.Err.Trim()
        );
    }
}
