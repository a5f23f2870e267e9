using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emolingua.Models;
using Emolingua.Tests.Cli;
using Emolingua.Training;
using Emolingua.Util;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training;

/// <summary>
/// Training whose numbers go non-finite stops with one line naming the stage and the step, keeps the previous epoch's
/// checkpoint for --resume, and never writes NaN or infinity into metrics.jsonl, a checkpoint or summary.json.
/// </summary>
public class DivergenceTests
{
    /// <summary>
    /// y = w·[1, 2] + b, loss = y²: a stage whose loss is NaN at step <paramref name="nanLossAt"/> (1-based) or whose
    /// weights are set to NaN by the update of step <paramref name="nanWeightsAfter"/>; it records its weights after
    /// every step.
    /// </summary>
    private sealed class ScriptedStage(long nanLossAt = -1, long nanWeightsAfter = -1) : TrainingStage<long>
    {
        private readonly Linear _layer = nn.Linear(2, 1);
        public Dictionary<long, float[]> WeightsAfter { get; } = new();

        public override string Name => "scripted";
        public override nn.Module StateModule => _layer;
        public override IEnumerable<(string Name, Parameter Parameter)> TrainableParameters =>
            _layer.named_parameters();
        public override bool HigherIsBetter => true;

        public override long Prepare(long step) => step;

        public override (Tensor Loss, Dictionary<string, double> Logs) Loss(long inputs, long step, long totalSteps)
        {
            var x = tensor(new float[] { 1, 2 }, new long[] { 1, 2 });
            var y = _layer.forward(x); // [1, 1]
            var loss = y.mul(y).mean();
            if (step + 1 == nanLossAt)
                loss = loss.mul(tensor(float.NaN));
            return (loss, new Dictionary<string, double>());
        }

        public override void AfterOptimizerStep(long step, long totalSteps)
        {
            using var noGrad = no_grad();
            if (step + 1 == nanWeightsAfter)
                _layer.weight!.fill_(Scalars.Held(double.NaN));
            WeightsAfter[step + 1] = _layer.weight!.data<float>().ToArray();
        }

        public override ValidationResult? Validate() => null;

        public override void Export(string folder) =>
            AtomicFolder.Write(folder, tmp => File.WriteAllText(Path.Combine(tmp, "exported.txt"), "ok"));

        public override IEnumerable<string> Describe() => [];

        public override void Dispose() => _layer.Dispose();
    }

    private static readonly StageOptions Options = new(
        Seed: 1,
        LearningRate: 0.01,
        WeightDecay: 0,
        StepsPerEpoch: 4,
        MaxEpochs: 3,
        Patience: 5,
        LogEvery: 1,
        Prefetch: 1
    );

    /// <summary>Every line parses and every number in it is finite; returns the training steps logged.</summary>
    private static List<long> FiniteMetricSteps(string metricsPath)
    {
        var text = File.ReadAllText(metricsPath);
        Assert.DoesNotContain("NaN", text);
        Assert.DoesNotContain("Infinity", text);
        var steps = new List<long>();
        foreach (var line in File.ReadAllLines(metricsPath))
        {
            var o = JsonNode.Parse(line)!.AsObject();
            foreach (var (key, value) in o)
            {
                if (value is JsonValue v && v.TryGetValue<double>(out var d))
                    Assert.True(double.IsFinite(d), $"{key} = {d}");
            }

            if (o["split"] == null)
                steps.Add(o["step"]!.GetValue<long>());
        }
        return steps;
    }

    [Fact]
    public void NaNLoss_StopsNamingStageAndStep_KeepsTheLastCheckpoint_AndResumeContinuesFromIt()
    {
        using var run = new TempDir();
        var stageDir = Path.Combine(run.Path, "stages", "scripted");
        using (var stage = new ScriptedStage(nanLossAt: 6))
        {
            var e = Assert.Throws<TrainingDivergedException>(() =>
                new Trainer(run.Path, _ => { }).Run(stage, stageDir, Options, 0)
            );
            Assert.Equal(
                $"{stageDir}: stage scripted, step 6: loss is NaN, training diverged (try a lower learning rate); "
                    + "the last good checkpoint (step 4) is kept for --resume",
                e.Message
            );

            // The checkpoint is epoch 1's: step 4, holding the weights the stage had after step 4.
            var trainer = JsonNode.Parse(File.ReadAllText(Path.Combine(stageDir, "state", "trainer.json")))!;
            Assert.Equal(4, trainer["step"]!.GetValue<long>());
            var saved = SafeTensors.Open(Path.Combine(stageDir, "state", "model.safetensors")).ReadFloat32("weight");
            Assert.Equal(stage.WeightsAfter[4], saved);
            Assert.Equal([1, 2, 3, 4, 5], FiniteMetricSteps(Path.Combine(run.Path, "metrics.jsonl")));
        }

        var log = new List<string>();
        using (var healthy = new ScriptedStage())
        {
            var result = new Trainer(run.Path, log.Add).Run(healthy, stageDir, Options, 0);
            Assert.Equal(12, result.Steps);
            Assert.Contains(log, l => l.Contains("resuming at step 4"));
            Assert.Equal(
                Enumerable.Range(1, 12).Select(i => (long)i),
                FiniteMetricSteps(Path.Combine(run.Path, "metrics.jsonl"))
            );
        }
    }

    [Fact]
    public void WeightsThatTurnNaNInAnEpochsLastStep_AreNeverCheckpointed()
    {
        using var run = new TempDir();
        var stageDir = Path.Combine(run.Path, "stages", "scripted");
        using var stage = new ScriptedStage(nanWeightsAfter: 4);
        var e = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(run.Path, _ => { }).Run(stage, stageDir, Options, 0)
        );
        Assert.Contains("stage scripted, step 4: weight 'weight' is NaN", e.Message);
        Assert.Contains("no checkpoint had been written yet", e.Message);
        Assert.False(Directory.Exists(Path.Combine(stageDir, "state")));
        Assert.False(Directory.Exists(Path.Combine(stageDir, "best")));
        Assert.Equal([1, 2, 3, 4], FiniteMetricSteps(Path.Combine(run.Path, "metrics.jsonl")));
    }

    /// <summary>
    /// A real divergence through the CLI: a learning rate of 1000 on the tiny model. Validation after every step gives
    /// a checkpoint at each step; the loss explodes within a few steps. --resume replays from the checkpoint (every
    /// draw is derived from seed, stage and step) and diverges at the same step again.
    /// </summary>
    [Fact]
    public void HugeLearningRate_ThroughTheCli_OneLineError_NoNonFiniteFile_CheckpointKept()
    {
        using var data = new TempDir();
        TinyCorpora.Write(data.Path);
        var recipe = JsonNode.Parse(TinyCorpora.RecipeJson("baseline"))!;
        recipe["training"]!["learning_rate"] = 1000;
        recipe["training"]!["steps_per_epoch"] = 1;
        recipe["training"]!["max_epochs"] = 30;
        recipe["training"]!["patience"] = 30;
        var recipePath = data.File("diverging.json");
        File.WriteAllText(recipePath, recipe.ToJsonString());
        var runDir = data.File("run");

        var r = CliHarness.RunChild("train", recipePath, "--data", data.Path, "--out", runDir);
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Exception", r.Err);
        var error = r.ErrLines[^1];
        var m = Regex.Match(
            error,
            @"^error: (.+): stage baseline, step (\d+): (.+) is (NaN|[+-]infinity), training diverged .*the last good checkpoint \(step (\d+)\) is kept for --resume$"
        );
        Assert.True(m.Success, error);
        long step = long.Parse(m.Groups[2].Value),
            kept = long.Parse(m.Groups[5].Value);
        Assert.InRange(kept, 1, step);
        Assert.Equal(Path.Combine(runDir, "stages", "baseline"), m.Groups[1].Value);

        Assert.False(File.Exists(Path.Combine(runDir, "summary.json")));
        Assert.False(Directory.Exists(Path.Combine(runDir, "model")));
        Assert.True(FiniteMetricSteps(Path.Combine(runDir, "metrics.jsonl")).Max() <= step);
        var state = Path.Combine(runDir, "stages", "baseline", "state");
        Assert.Equal(
            kept,
            JsonNode.Parse(File.ReadAllText(Path.Combine(state, "trainer.json")))!["step"]!.GetValue<long>()
        );
        var weights = SafeTensors.Open(Path.Combine(state, "model.safetensors"));
        foreach (var name in weights.Entries.Keys)
            weights.ReadFloat32(name); // refuses NaN or infinity

        var again = CliHarness.RunChild("train", recipePath, "--data", data.Path, "--out", runDir, "--resume");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains(again.ErrLines, l => l.Contains($"resuming at step {kept}"));
        Assert.Equal(error, again.ErrLines[^1]);
    }
}
