using System.Text.Json.Nodes;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Scoring;
using Emolingua.Training;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training;

/// <summary>End-to-end runs of each method on generated corpora: outputs, learning, determinism and
/// crash-resume.</summary>
public class TrainingRunTests : IClassFixture<TrainingRunTests.Data>
{
    public sealed class Data : IDisposable
    {
        public TempDir Dir { get; } = new();
        public string Root { get; }

        public Data() => Root = TinyCorpora.Write(Dir.Path);

        public void Dispose() => Dir.Dispose();
    }

    private readonly Data _data;

    public TrainingRunTests(Data data) => _data = data;

    private sealed class SimulatedCrash(string where) : Exception(where);

    private JsonObject Train(
        Recipe recipe,
        string runDir,
        bool resume = false,
        (string Stage, long Step)? crashAt = null
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
                    AfterStep: (stage, step) =>
                    {
                        if (crashAt is { } c && c.Stage == stage && c.Step == step)
                            throw new SimulatedCrash($"{stage}@{step}");
                    }
                )
            )
        );

    private static JsonObject AsJson(RunSummary summary) =>
        System.Text.Json.JsonSerializer.SerializeToNode(summary, Json.Indented)!.AsObject();

    private static double MeanLoss(IEnumerable<JsonObject> lines, string key = "loss") =>
        lines.Average(l => l[key]!.GetValue<double>());

    [Theory]
    [InlineData("baseline", "baseline", "loss")]
    [InlineData("contrastive", "contrastive-stage1", "loss")]
    [InlineData("byol", "byol", "ce")]
    public void EachMethodTrainsWritesItsRunFolderAndLearns(string method, string stage, string lossKey)
    {
        using var run = new TempDir();
        var summary = Train(TinyCorpora.Recipe(method), run.Path);
        foreach (
            var f in new[]
            {
                "recipe.json",
                "metrics.jsonl",
                "summary.json",
                "model/config.json",
                "model/model.safetensors",
                "model/labels.json",
                "model/features.json",
                "model/calibration.json",
            }
        )
        {
            Assert.True(File.Exists(Path.Combine(run.Path, f)), $"missing {f}");
        }

        Assert.Equal(method, summary["method"]!.GetValue<string>());
        Assert.Equal(3, summary["seed"]!.GetValue<int>());

        var steps = ResumedRun
            .MetricLines(run.Path)
            .Where(l => l["stage"]!.GetValue<string>() == stage && l["split"] == null)
            .ToList();
        Assert.Equal(stage == "contrastive-stage1" ? 8 : 12, steps.Count);
        double first = MeanLoss(steps.Take(3), lossKey),
            last = MeanLoss(steps.TakeLast(3), lossKey);
        Assert.True(
            last < first,
            $"{stage} {lossKey} did not go down: first steps {first:0.0000}, last steps {last:0.0000}"
        );

        // The deliverable loads and predicts a probability distribution.
        using var recognizer = EmotionRecognizer.Load(run.Path);
        var p = recognizer.Predict(Path.Combine(_data.Root, "en", "s1_0_angry_0.wav"));
        Assert.Equal(1.0, p.Probabilities.Values.Sum(), 4);
        Assert.Equal(method, recognizer.Method);

        // Temperature scaling fitted on the English validation set: what predict applies is what calibration.json says.
        var calibration = JsonNode.Parse(File.ReadAllText(Path.Combine(run.Path, "model", "calibration.json")))!;
        Assert.Equal(calibration["temperature"]!.GetValue<double>(), recognizer.Temperature);
        Assert.InRange(recognizer.Temperature, TemperatureScaling.MinTemperature, TemperatureScaling.MaxTemperature);
        Assert.True(
            calibration["nll_after"]!.GetValue<double>() <= calibration["nll_before"]!.GetValue<double>() + 1e-9,
            calibration.ToJsonString()
        );
        Assert.True(calibration["n"]!.GetValue<int>() > 0);
    }

    public static TheoryData<string, string, long> CrashPoints() =>
        new()
        {
            { "baseline", "baseline", 6 }, // mid-epoch 2, after the first checkpoint
            { "baseline", "baseline", 3 }, // before any checkpoint
            { "contrastive", "contrastive-stage1", 5 }, // inside stage 1
            { "contrastive", "contrastive-stage2", 2 }, // stage 2 before its first checkpoint
            { "byol", "byol", 7 }, // EMA target, mixup memory and λ schedule all mid-run
        };

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public void ResumeAfterACrashEndsIdenticalToAnUninterruptedRun(string method, string stage, long step)
    {
        using var straight = new TempDir();
        using var crashed = new TempDir();
        var recipe = TinyCorpora.Recipe(method);
        Train(recipe, straight.Path);

        Assert.Throws<SimulatedCrash>(() => Train(recipe, crashed.Path, crashAt: (stage, step)));
        Assert.False(File.Exists(Path.Combine(crashed.Path, "summary.json")));
        Train(recipe, crashed.Path, resume: true);

        ResumedRun.AssertSameAs(straight.Path, crashed.Path);
        Assert.Equal(
            File.ReadAllText(Path.Combine(straight.Path, "model", "calibration.json")),
            File.ReadAllText(Path.Combine(crashed.Path, "model", "calibration.json"))
        );
    }

    [Theory]
    [InlineData("baseline", "baseline", 5)] // mid-epoch 2, two steps into a three-step logging window
    [InlineData("baseline", "baseline", 4)] // at an epoch end, one step into a logging window
    [InlineData("byol", "byol", 7)]
    public void AStopRequestCheckpointsTheCurrentStepAndResumesExactly(string method, string stage, long step)
    {
        using var straight = new TempDir();
        using var stopped = new TempDir();
        var recipe = TinyCorpora.Recipe(method, "training.log_every=3"); // windows straddle the epoch ends (4 steps)
        Train(recipe, straight.Path);

        using var stop = new CancellationTokenSource();
        var e = Assert.Throws<TrainingInterruptedException>(() =>
            TrainRun.Execute(
                recipe,
                new TrainRun.Options(
                    stopped.Path,
                    _data.Root,
                    CPU,
                    false,
                    Log: _ => { },
                    AfterStep: (s, k) =>
                    {
                        if (s == stage && k == step)
                            stop.Cancel();
                    },
                    Stop: stop.Token
                )
            )
        );
        Assert.Equal(step, e.Step);
        // The checkpoint is of the step the stop arrived at, not of the last epoch end.
        var trainer = JsonNode.Parse(
            File.ReadAllText(Path.Combine(stopped.Path, "stages", stage, "state", "trainer.json"))
        )!;
        Assert.Equal(step, trainer["step"]!.GetValue<long>());
        Train(recipe, stopped.Path, resume: true);

        ResumedRun.AssertSameAs(straight.Path, stopped.Path);
    }

    [Fact]
    public void StartingOverAnExistingRunWithoutResumeIsRefused()
    {
        using var run = new TempDir();
        var recipe = TinyCorpora.Recipe("baseline", "training.max_epochs=1");
        Train(recipe, run.Path);
        var before = File.ReadAllBytes(Path.Combine(run.Path, "model", "model.safetensors"));
        var e = Assert.Throws<Emolingua.Util.EmolinguaException>(() => Train(recipe, run.Path));
        Assert.Contains("--resume", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run.Path, "model", "model.safetensors")));
        var changed = TinyCorpora.Recipe("baseline", "training.max_epochs=1", "seed=4");
        Assert.Contains(
            "differs",
            Assert.Throws<Emolingua.Util.EmolinguaException>(() => Train(changed, run.Path, resume: true)).Message
        );
    }

    [Fact]
    public void ByolExportsTheTargetEncoderWithTheOnlineHead()
    {
        using var run = new TempDir();
        Train(TinyCorpora.Recipe("byol", "training.max_epochs=1"), run.Path);
        var state = SafeTensors.Open(Path.Combine(run.Path, "stages", "byol", "state", "model.safetensors"));
        var exported = SafeTensors.Open(Path.Combine(run.Path, "model", "model.safetensors"));
        foreach (var name in new[] { "encoder.layers.0.fc1.weight", "encoder.layer_norm.bias" })
        {
            var target = state.ReadFloat32("target." + name);
            var online = state.ReadFloat32("online." + name);
            Assert.Equal(target, exported.ReadFloat32(name));
            Assert.NotEqual(online, target); // the EMA lags the online network
        }
        Assert.Equal(state.ReadFloat32("head.fc2.weight"), exported.ReadFloat32("head.fc2.weight"));
    }

    [Fact]
    public void TensorBoardEventsHoldEveryNumberOfMetricsJsonl_AlsoAfterAResume()
    {
        // the CRC-32C check value guards the reader itself
        Assert.Equal(0xE3069283u, TensorBoardEvents.Crc32C("123456789"u8));
        using var run = new TempDir();
        var recipe = TinyCorpora.Recipe("byol");
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Crash after the first checkpoint (step 4): the lines of steps 5 and 6 are dropped on resume, and so are their
        // events.
        Assert.Throws<SimulatedCrash>(() => Train(recipe, run.Path, crashAt: ("byol", 6)));
        Train(recipe, run.Path, resume: true);

        var files = Directory.GetFiles(run.Path, "events.out.tfevents.*");
        Assert.Single(files);
        var events = TensorBoardEvents.Read(files[0]);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var scalars = events.Skip(1).SelectMany(e => e.Scalars.Select(s => (e.Step, s.Tag, s.Value))).ToList();
        Assert.All(events.Skip(1), e =>
            Assert.InRange(e.WallTime, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1)
        );

        // Expected: every number of every metrics line but step and epoch, tagged STAGE/KEY or STAGE/validation/KEY, in
        // file order; the run header (the first line: machine, MKL path, threads, precision) describes the run and is
        // no scalar.
        var expected = new List<(long, string, float)>();
        var lines = ResumedRun.MetricLines(run.Path);
        Assert.Equal("header", (string)lines[0]["split"]!);
        foreach (var line in lines.Skip(1))
        {
            var prefix =
                line["stage"]!.GetValue<string>()
                + "/"
                + (line["split"] is { } split ? split.GetValue<string>() + "/" : "");
            foreach (var (key, value) in line)
            {
                if (
                    key is not ("stage" or "split" or "step" or "epoch")
                    && value!.GetValueKind() == System.Text.Json.JsonValueKind.Number
                )
                {
                    expected.Add((line["step"]!.GetValue<long>(), prefix + key, (float)value.GetValue<double>()));
                }
            }
        }
        Assert.Equal(expected, scalars);
        foreach (
            var tag in new[]
            {
                "byol/loss",
                "byol/ce",
                "byol/byol",
                "byol/lambda",
                "byol/lr",
                "byol/steps_per_s",
                "byol/validation/uar",
                "byol/validation/accuracy",
            }
        )
        {
            Assert.Contains(tag, scalars.Select(s => s.Tag));
        }
        // λ falls linearly from 0.8 at the first step to 0.2 at the last (12 steps, one log line each); lr is the
        // recipe's.
        float Scalar(string tag, long step) => scalars.Single(s => s.Tag == tag && s.Step == step).Value;
        Assert.Equal(0.8f, Scalar("byol/lambda", 1), 6);
        Assert.Equal(0.8f - 0.6f * 5 / 11, Scalar("byol/lambda", 6), 6);
        Assert.Equal(0.2f, Scalar("byol/lambda", 12), 6);
        Assert.All(scalars.Where(s => s.Tag == "byol/lr"), s => Assert.Equal(0.002f, s.Value));
        Assert.Equal([4L, 8L, 12L], scalars.Where(s => s.Tag == "byol/validation/uar").Select(s => s.Step));
    }
}
