using System.Text.Json.Nodes;
using Emolingua.Models;
using Emolingua.Training;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training;

/// <summary>
/// training.precision = bf16 end to end on the tiny corpora, on every machine: the run is told its CPU has native
/// bf16 (libtorch computes bf16 correctly without it, only slowly), so the mixed-precision path and its resume are
/// tested wherever the tests run.
/// </summary>
public class Bf16TrainingTests : IClassFixture<TrainingRunTests.Data>
{
    private static readonly CpuFeatures NativeBf16 = new(["avx2", "fma", "avx512f", "avx512_bf16"], "AuthenticAMD");
    private static readonly CpuFeatures Avx2Only = new(["avx2", "fma"], "AuthenticAMD");
    private readonly TrainingRunTests.Data _data;

    public Bf16TrainingTests(TrainingRunTests.Data data) => _data = data;

    private sealed class SimulatedCrash(string where) : Exception(where);

    private JsonObject Train(
        Recipe recipe,
        string runDir,
        bool resume = false,
        long? crashAt = null,
        CpuFeatures? cpu = null
    ) =>
        AsJson(
            TrainRun.Execute(
                recipe,
                new TrainRun.Options(
                    runDir,
                    _data.Root,
                    CPU,
                    resume,
                    Log: _ => { },
                    AfterStep: (_, step) =>
                    {
                        if (crashAt == step)
                            throw new SimulatedCrash($"step {step}");
                    },
                    Cpu: cpu ?? NativeBf16
                )
            )
        );

    private static JsonObject AsJson(RunSummary summary) =>
        System.Text.Json.JsonSerializer.SerializeToNode(summary, Json.Indented)!.AsObject();

    [Fact]
    public void Bf16RunResumesBitIdenticallyAndKeepsFp32Checkpoints()
    {
        using var straight = new TempDir();
        using var crashed = new TempDir();
        using var fp32 = new TempDir();
        var recipe = TinyCorpora.Recipe("baseline", "training.precision=bf16");
        Train(recipe, straight.Path);
        Assert.Throws<SimulatedCrash>(() => Train(recipe, crashed.Path, crashAt: 6)); // mid-epoch 2, after a checkpoint
        Train(recipe, crashed.Path, resume: true);

        ResumedRun.AssertSameAs(straight.Path, crashed.Path);

        // The run header says bf16; the deliverable and the checkpoints hold fp32 tensors only.
        var header = ResumedRun.MetricLines(straight.Path)[0];
        Assert.Equal("header", (string)header["split"]!);
        Assert.Equal("bf16", (string)header["precision"]!);
        var tensors = SafeTensorDTypes(Path.Combine(straight.Path, "model", "model.safetensors"));
        Assert.NotEmpty(tensors);
        Assert.All(tensors, d => Assert.Equal("F32", d));

        // The same recipe in fp32 learns the same way but not to the same bits: bf16 really computed in bf16.
        Train(TinyCorpora.Recipe("baseline"), fp32.Path);
        var lossFp32 = ResumedRun
            .MetricLines(fp32.Path)
            .Where(l => l["loss"] != null)
            .Select(l => l["loss"]!.GetValue<double>())
            .ToList();
        var lossBf16 = ResumedRun
            .MetricLines(straight.Path)
            .Where(l => l["loss"] != null)
            .Select(l => l["loss"]!.GetValue<double>())
            .ToList();
        Assert.Equal(lossFp32.Count, lossBf16.Count);
        Assert.Equal(lossFp32[0], lossBf16[0], 0.05); // the first step: same weights, same batch
        Assert.NotEqual(
            File.ReadAllBytes(Path.Combine(fp32.Path, "model", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(straight.Path, "model", "model.safetensors"))
        );
    }

    [Fact]
    public void Bf16IsRefusedWithoutNativeSupportBeforeAnythingIsWritten()
    {
        using var dir = new TempDir();
        var run = Path.Combine(dir.Path, "run");
        var e = Assert.Throws<EmolinguaException>(() =>
            Train(TinyCorpora.Recipe("baseline", "training.precision=bf16"), run, cpu: Avx2Only)
        );
        Assert.StartsWith("training.precision bf16: this CPU has no native bfloat16", e.Message);
        Assert.False(Directory.Exists(run));
    }

    /// <summary>The dtype of every tensor in a .safetensors file, from its JSON header (read here, not by the code
    /// under test).</summary>
    private static List<string> SafeTensorDTypes(string path)
    {
        using var f = File.OpenRead(path);
        var lengthBytes = new byte[8];
        f.ReadExactly(lengthBytes);
        var json = new byte[BitConverter.ToInt64(lengthBytes)];
        f.ReadExactly(json);
        return JsonNode
            .Parse(json)!
            .AsObject()
            .Where(kv => kv.Key != "__metadata__")
            .Select(kv => (string)kv.Value!["dtype"]!)
            .ToList();
    }
}
