using System.Text.Json;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Models.Onnx;
using Emolingua.Scoring;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Training;
using Emolingua.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Emolingua.Tests.Inference;

/// <summary>
/// A short real training run (baseline recipe on the tiny generated corpora; augmentation off and the front end
/// trainable so that 20 steps learn the four voices) exported as FP32 and INT8 ONNX files, and held-out clips.
/// </summary>
public sealed class TrainedRunFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string RunDir => Path.Combine(Dir.Path, "run");
    public string Fp32 => Dir.File("model.onnx");
    public string Int8 => Dir.File("model-int8.onnx");
    public List<(float[] Samples, int Label)> HeldOut { get; } = TinyCorpora.HeldOut(perEmotion: 25);

    public TrainedRunFixture()
    {
        var data = TinyCorpora.Write(Path.Combine(Dir.Path, "data"));
        TrainRun.Execute(
            TinyCorpora.Recipe(
                "baseline",
                "training.max_epochs=5",
                "augment.supervised=false",
                "model.freeze_front_end=false"
            ),
            new TrainRun.Options(RunDir, data, CPU, Resume: false, Log: _ => { })
        );
        OnnxExport.Export(RunDir, Fp32);
        OnnxExport.Export(RunDir, Int8, OnnxQuantization.Int8);
    }

    public void Dispose() => Dir.Dispose();
}

[Collection("Console")]
public class OnnxTrainedModelTests(TrainedRunFixture run, ITestOutputHelper output) : IClassFixture<TrainedRunFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    private static int ArgMax(float[] p) => Array.IndexOf(p, p.Max());

    private List<float[]> Clips => run.HeldOut.Select(c => c.Samples).ToList();

    [Fact]
    public void Fp32_MatchesTheTorchSharpModel_OnHeldOutClips()
    {
        using var model = ModelBundle.Load(ModelBundle.Locate(run.RunDir));
        // Training fitted a calibration temperature; the graph must divide the logits by it as the TorchSharp engine
        // does.
        var temperature = ModelBundle.ReadInfo(ModelBundle.Locate(run.RunDir)).Temperature;
        Assert.NotEqual(1.0, temperature);
        var windows = AudioWindows.Plan(Clips, WhisperAudio.SamplesFor(1.0));
        var (torchWindowProbs, torchWindowEmb) = model.ClassifyWindows(
            windows.Select(w => w.Samples).ToList(),
            embeddings: true,
            temperature: temperature
        );
        var clipOf = ClipScorer.FromWindows(windows.Select(w => w.Clip).ToList(), Clips.Count, torchWindowProbs);
        var torchProbs = clipOf.MeanByClip(torchWindowProbs);
        var torchEmb = clipOf.MeanByClip(torchWindowEmb!);
        using var engine = OnnxEmotionEngine.Load(run.Fp32, batchSize: 7);
        Assert.Equal(temperature, engine.Temperature);
        var (p, e) = engine.Classify(windows.Select(w => w.Samples).ToList(), embeddings: true);
        var onnxProbs = clipOf.MeanByClip(p);
        var onnxEmb = clipOf.MeanByClip(e!);
        var probDiff = Enumerable.Range(0, Clips.Count).Max(i => MaxAbsDiff(torchProbs[i], onnxProbs[i]));
        var embDiff = Enumerable.Range(0, Clips.Count).Max(i => MaxAbsDiff(torchEmb![i], onnxEmb[i]));
        output.WriteLine(
            $"{Clips.Count} held-out clips, T = {temperature:0.000}: max |ONNX − torch| probabilities {probDiff:E2}, embeddings {embDiff:E2}"
        );
        Assert.True(probDiff <= 1e-4f, $"probabilities differ by {probDiff}");
        Assert.True(embDiff <= 1e-4f, $"embeddings differ by {embDiff}");
        // The trained model tells the clips apart (otherwise agreement below would be vacuous).
        Assert.True(
            torchProbs.Select(ArgMax).Distinct().Count() >= 3,
            "the trained model predicts fewer than 3 classes"
        );
    }

    /// <summary>
    /// Stated tolerance (issue 12): on held-out clips the INT8 model's label agrees with FP32's on at least 97 % of
    /// clips, and its macro F1 (against the true labels) is within 0.01 of FP32's.
    /// </summary>
    [Fact]
    public void Int8_AgreesWithFp32_OnHeldOutClips()
    {
        using var fp32 = EmotionRecognizer.Load(run.Fp32);
        using var int8 = EmotionRecognizer.Load(run.Int8);
        var a = fp32.PredictClips(Clips).Select(p => Array.IndexOf(Labels, p.Label)).ToArray();
        var b = int8.PredictClips(Clips).Select(p => Array.IndexOf(Labels, p.Label)).ToArray();
        var truth = run.HeldOut.Select(c => c.Label).ToArray();
        var agreement = a.Zip(b, (x, y) => x == y ? 1.0 : 0.0).Average();
        double f1Fp32 = Metrics.MacroF1(truth, a, 4),
            f1Int8 = Metrics.MacroF1(truth, b, 4);
        output.WriteLine(
            $"INT8 vs FP32 on {Clips.Count} held-out clips: agreement {agreement:P1}, macro F1 {f1Int8:0.0000} vs {f1Fp32:0.0000}"
        );
        Assert.True(
            f1Fp32 > 0.5,
            $"the trained model's macro F1 is {f1Fp32:0.00}: too weak for the comparison to mean anything"
        );
        Assert.True(agreement >= 0.97, $"INT8 agrees with FP32 on {agreement:P1} of clips");
        Assert.InRange(f1Int8, f1Fp32 - 0.01, f1Fp32 + 0.01);
        using var engine = (OnnxEmotionEngine)EmotionEngines.Open(run.Int8);
        Assert.Equal("int8", engine.Metadata["quantization"]);
        Assert.True(new FileInfo(run.Int8).Length < new FileInfo(run.Fp32).Length, "the INT8 file is not smaller");
    }

    /// <summary>Issue 9's "done when": the export of a trained model runs to the same outputs in another language's
    /// ONNX Runtime (Node.js).</summary>
    [Fact]
    public void NodeJsOnnxRuntime_RunsTheExportToTheSameOutputs()
    {
        var windows = AudioWindows
            .Plan(Clips.Where((_, i) => i % 15 == 0).ToList(), WhisperAudio.SamplesFor(1.0))
            .Select(w => w.Samples)
            .ToList();
        int batch = windows.Count,
            samples = windows[0].Length;
        using var engine = OnnxEmotionEngine.Load(run.Fp32, batchSize: batch);
        var (p, e) = engine.Classify(windows, embeddings: true);
        var node = NodeOnnxRuntime.Run(run.Fp32, windows.SelectMany(w => w).ToArray(), batch, samples);
        Assert.Equal([batch, 4L], node.ProbabilityDims);
        Assert.Equal([batch, 64L], node.EmbeddingDims);
        var probDiff = MaxAbsDiff(p.SelectMany(x => x).ToArray(), node.Probabilities);
        var embDiff = MaxAbsDiff(e!.SelectMany(x => x).ToArray(), node.Embedding);
        output.WriteLine(
            $"onnxruntime-node {NodeOnnxRuntime.Version} vs ONNX Runtime .NET on {batch} windows: max |diff| probabilities {probDiff:E2}, embeddings {embDiff:E2}"
        );
        Assert.True(probDiff <= 1e-5f, $"probabilities differ by {probDiff}");
        Assert.True(embDiff <= 1e-5f, $"embeddings differ by {embDiff}");
    }

    [Fact]
    public void Metadata_CarriesTheRecipeAndSeed()
    {
        using var engine = OnnxEmotionEngine.Load(run.Fp32);
        Assert.Equal("test-baseline", engine.Metadata["recipe"]);
        Assert.Equal("3", engine.Metadata["seed"]);
        Assert.Equal("1", engine.Metadata["window_seconds"]);
        Assert.Equal("baseline", engine.Metadata["method"]);
        Assert.Contains("16000", engine.Metadata["usage"]);
    }

    [Fact]
    public void Cli_ExportThenPredict_EqualsPredictOnTheRunFolder()
    {
        using var dir = new TempDir();
        var paths = run
            .HeldOut.Where((_, i) => i % 20 == 0)
            .Select(
                (c, i) =>
                {
                    var path = dir.File($"clip{i}.wav");
                    // 3.6 s: several windows
                    TestWav.WritePcm16Mono(path, c.Samples.Concat(c.Samples).Concat(c.Samples).ToArray(), 16000);
                    return path;
                }
            )
            .ToArray();
        var onnx = dir.File("exported.onnx");
        var export = CliHarness.RunInProcess("export", "--model", run.RunDir, "--out", onnx);
        Assert.True(export.ExitCode == 0, export.Err);
        var torch = CliHarness.RunInProcess(["predict", "--model", run.RunDir, "--json", .. paths]);
        var viaFile = CliHarness.RunInProcess(["predict", "--model", onnx, "--json", .. paths]);
        var inMemory = CliHarness.RunInProcess([
            "predict",
            "--model",
            run.RunDir,
            "--engine",
            "onnx",
            "--json",
            .. paths,
        ]);
        foreach (var r in new[] { torch, viaFile, inMemory })
            Assert.True(r.ExitCode == 0, r.Err);
        for (var i = 0; i < paths.Length; i++)
        {
            using var expected = JsonDocument.Parse(torch.OutLines[i]);
            foreach (var other in new[] { viaFile, inMemory })
            {
                using var actual = JsonDocument.Parse(other.OutLines[i]);
                Assert.Equal(
                    expected.RootElement.GetProperty("label").GetString(),
                    actual.RootElement.GetProperty("label").GetString()
                );
                foreach (var l in Labels)
                {
                    Assert.InRange(
                        actual.RootElement.GetProperty("probabilities").GetProperty(l).GetDouble(),
                        expected.RootElement.GetProperty("probabilities").GetProperty(l).GetDouble() - 1e-4,
                        expected.RootElement.GetProperty("probabilities").GetProperty(l).GetDouble() + 1e-4
                    );
                }
            }
        }
    }

    [Fact]
    public void ExportCheckReportsTheInt8AgreementWithFp32OnANamedCorpus()
    {
        using var dir = new TempDir();
        var clips = run.HeldOut.Where((_, i) => i % 4 == 0).ToList(); // 25 clips, every emotion
        var rows = new List<string> { "path,label,speaker,gender" };
        for (var i = 0; i < clips.Count; i++)
        {
            TestWav.WritePcm16Mono(dir.File($"c{i}.wav"), clips[i].Samples, 16000);
            rows.Add($"c{i}.wav,{Labels[clips[i].Label]},s{i % 5},female");
        }
        File.WriteAllLines(dir.File("heldout.csv"), rows);
        var onnx = dir.File("checked-int8.onnx");
        var r = CliHarness.RunInProcess(
            "export",
            "--model",
            run.RunDir,
            "--out",
            onnx,
            "--quantize",
            "int8",
            "--check",
            "manifest=" + dir.File("heldout.csv")
        );
        Assert.True(r.ExitCode == 0, r.Err);
        var line = Assert.Single(r.OutLines);

        // The same comparison computed here from the two engines directly (the files exactly as written).
        var samples = clips.Select(c => TestWav.ReadPcm16Mono(dir.File($"c{clips.IndexOf(c)}.wav"))).ToList();
        using var reference = EmotionRecognizer.Load(run.RunDir, EngineKind.Torch);
        using var int8 = EmotionRecognizer.Load(onnx);
        var a = reference.PredictClips(samples);
        var b = int8.PredictClips(samples);
        var agree = a.Zip(b).Count(p => p.First.Label == p.Second.Label);
        var truth = clips.Select(c => c.Label).ToArray();
        var f1Fp32 = Metrics.MacroF1(truth, a.Select(p => Array.IndexOf(Labels, p.Label)).ToArray(), 4);
        var f1Int8 = Metrics.MacroF1(truth, b.Select(p => Array.IndexOf(Labels, p.Label)).ToArray(), 4);
        output.WriteLine(line);
        Assert.StartsWith(
            $"check manifest={dir.File("heldout.csv")}: int8 labels agree with fp32 on {agree}/25 clips ({100.0 * agree / 25:0.0} %)",
            line
        );
        Assert.Contains(
            FormattableString.Invariant(
                $"macro F1 {f1Int8:0.0000} (int8) vs {f1Fp32:0.0000} (fp32) on 25 labelled clips"
            ),
            line
        );
        Assert.True(agree >= 23, line); // INT8 keeps the labels (README: ≥ 97 % on 100 clips)
    }

    [Fact]
    public void ExportCheckWithABadCorpusWritesNothing()
    {
        using var dir = new TempDir();
        var onnx = dir.File("never.onnx");
        var r = CliHarness.RunInProcess(
            "export",
            "--model",
            run.RunDir,
            "--out",
            onnx,
            "--quantize",
            "int8",
            "--check",
            "emodb=" + dir.File("missing")
        );
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("missing", Assert.Single(r.ErrLines));
        Assert.False(File.Exists(onnx));
        var malformed = CliHarness.RunInProcess("export", "--model", run.RunDir, "--out", onnx, "--check", "emodb");
        Assert.Contains("expected KIND=ROOT", malformed.Err);
        Assert.False(File.Exists(onnx));
    }

    [Fact]
    public void PredictInBf16AgreesWithFp32WhereNativeAndIsRefusedElsewhere()
    {
        using var dir = new TempDir();
        var paths = run
            .HeldOut.Where((_, i) => i % 10 == 0)
            .Select(
                (c, i) =>
                {
                    var path = dir.File($"b{i}.wav");
                    TestWav.WritePcm16Mono(path, c.Samples, 16000);
                    return path;
                }
            )
            .ToArray();
        var fp32 = CliHarness.RunChild(["predict", "--model", run.RunDir, "--json", .. paths]);
        var bf16 = CliHarness.RunChild(["predict", "--model", run.RunDir, "--json", "--precision", "bf16", .. paths]);
        Assert.True(fp32.ExitCode == 0, fp32.Err);
        if (!Emolingua.Util.CpuFeatures.Machine.HasNativeBf16)
        {
            Assert.Equal(1, bf16.ExitCode);
            Assert.StartsWith("error: --precision bf16: this CPU has no native bfloat16", Assert.Single(bf16.ErrLines));
            return;
        }
        Assert.True(bf16.ExitCode == 0, bf16.Err);
        double maxDiff = 0;
        for (var i = 0; i < paths.Length; i++)
        {
            using var a = JsonDocument.Parse(fp32.OutLines[i]);
            using var b = JsonDocument.Parse(bf16.OutLines[i]);
            foreach (var l in Labels)
            {
                maxDiff = Math.Max(
                    maxDiff,
                    Math.Abs(
                        a.RootElement.GetProperty("probabilities").GetProperty(l).GetDouble()
                            - b.RootElement.GetProperty("probabilities").GetProperty(l).GetDouble()
                    )
                );
            }
        }
        output.WriteLine($"bf16 vs fp32 max |p| difference {maxDiff}");
        // This model is nearly certain of these clips, so bf16 may even print the same 6 decimals (MixedPrecisionTests
        // shows the products do run in bf16); labels and probabilities must agree closely.
        Assert.InRange(maxDiff, 0, 0.05);
        Assert.Equal(
            fp32.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label").GetString()),
            bf16.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label").GetString())
        );
        var onnx = CliHarness.RunChild([
            "predict",
            "--model",
            run.RunDir,
            "--engine",
            "onnx",
            "--precision",
            "bf16",
            .. paths,
        ]);
        Assert.Equal(1, onnx.ExitCode);
        Assert.Contains("bf16 needs --engine torch", Assert.Single(onnx.ErrLines));
    }
}
