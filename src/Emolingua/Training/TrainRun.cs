using System.Text.Json.Nodes;
using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training.Data;
using Emolingua.Training.Stages;
using Emolingua.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Training;

/// <summary>
/// Runs a recipe into RUN_DIR: recipe.json (resolved), model/ (the deliverable), metrics.jsonl, summary.json, and
/// per-stage state/ and best/ folders under stages/ for <c>--resume</c>.
/// Baseline: one supervised stage. Contrastive: stage 1 (speaker-contrastive encoder) then stage 2 (emotion
/// fine-tuning from stage 1's best encoder). BYOL: one joint stage.
/// </summary>
public static class TrainRun
{
    public sealed record Options(string RunDir, string? DataDir, Device Device, bool Resume, Action<string>? Log = null, Action<string, long>? AfterStep = null,
        WaveformStore? Store = null);

    public static JsonObject Execute(Recipe recipe, Options o)
    {
        var log = o.Log ?? (m => Console.Error.WriteLine(m));
        Precisions.Require(Precisions.Parse(recipe.Training.Precision, "training.precision"), "training.precision", CpuFeatures.Machine);
        var runDir = Path.GetFullPath(o.RunDir);
        Directory.CreateDirectory(runDir);
        var recipePath = Path.Combine(runDir, "recipe.json");
        var recipeJson = recipe.ToJson();
        if (File.Exists(recipePath))
        {
            if (!o.Resume)
                throw new EmolinguaException(runDir, "already holds a run (recipe.json); pass --resume to continue it or choose another --out");
            if (File.ReadAllText(recipePath) != recipeJson)
                throw new EmolinguaException(recipePath, "the recipe differs from the one this run started with; resume needs the same recipe, seed and --set values");
        }
        else AtomicFile.WriteAllText(recipePath, recipeJson);

        var data = TrainingData.Load(recipe, o.DataDir, needEnglish: true, needUnlabeled: recipe.Method != "baseline");
        foreach (var note in data.Notes) log($"data: {note}");
        var cache = recipe.Data.Cache is { } cacheRoot ? TrainingData.ResolveRoot(cacheRoot, o.DataDir) : null;
        var ctx = new StageContext { Recipe = recipe, Data = data, Store = o.Store ?? new WaveformStore(cache), Device = o.Device };
        var trainer = new Trainer(runDir, log, o.AfterStep);
        var t = recipe.Training;
        var stageOptions = new StageOptions(recipe.Seed, t.LearningRate, t.WeightDecay, t.StepsPerEpoch, t.MaxEpochs, t.Patience, t.LogEvery, t.Prefetch);
        var stagesDir = Path.Combine(runDir, "stages");
        var results = new List<StageResult>();
        string finalBest;

        switch (recipe.Method)
        {
            case "baseline":
            {
                using var model = NewClassifier(ctx, ctx.NewEncoder(recipe.Model.Seconds));
                using var stage = new SupervisedStage("baseline", "baseline", model, ctx);
                results.Add(trainer.Run(stage, Path.Combine(stagesDir, "baseline"), stageOptions, 0));
                finalBest = Path.Combine(stagesDir, "baseline", "best");
                break;
            }
            case "contrastive":
            {
                var c = recipe.Contrastive;
                var stage1Dir = Path.Combine(stagesDir, "stage1");
                using (var encoder = ctx.NewEncoder(recipe.Model.Seconds))
                using (var stage1 = new ContrastiveStage(encoder, ctx))
                    results.Add(trainer.Run(stage1, stage1Dir, stageOptions with { LearningRate = c.Stage1LearningRate, MaxEpochs = c.Stage1MaxEpochs, Patience = c.Stage1Patience }, 0));
                long stage1Bytes = MetricsLengthAtFinish(stage1Dir);
                var adapted = WhisperCheckpoint.FromFolder(Path.Combine(stage1Dir, "best")).LoadEncoder(WhisperAudio.PositionsFor(recipe.Model.Seconds));
                if (recipe.Model.FreezeFrontEnd) adapted.FreezeFrontEnd();
                using var model = NewClassifier(ctx, adapted);
                using var stage2 = new SupervisedStage("contrastive-stage2", "contrastive", model, ctx);
                results.Add(trainer.Run(stage2, Path.Combine(stagesDir, "stage2"), stageOptions, stage1Bytes));
                finalBest = Path.Combine(stagesDir, "stage2", "best");
                break;
            }
            default:
            {
                long totalSteps = (long)t.StepsPerEpoch * t.MaxEpochs;
                using var stage = new ByolStage(() => ctx.NewEncoder(recipe.Model.Seconds), ctx, totalSteps);
                results.Add(trainer.Run(stage, Path.Combine(stagesDir, "byol"), stageOptions, 0));
                finalBest = Path.Combine(stagesDir, "byol", "best");
                break;
            }
        }

        // The deliverable: the final stage's best-validation model, copied into RUN_DIR/model.
        AtomicFolder.Write(Path.Combine(runDir, "model"), tmp =>
        {
            foreach (var f in Directory.GetFiles(finalBest)) File.Copy(f, Path.Combine(tmp, Path.GetFileName(f)));
        });
        var summary = Summary(recipe, results);
        AtomicFile.WriteAllText(Path.Combine(runDir, "summary.json"), summary.ToJsonString(new() { WriteIndented = true }));
        return summary;
    }

    private static EmotionClassifier NewClassifier(StageContext ctx, WhisperEncoder encoder)
    {
        torch.random.manual_seed(ctx.Seed + 1); // the head's initialisation is part of the seeded run
        var model = new EmotionClassifier(encoder, 4, ctx.Recipe.Model.HeadHidden, ctx.Recipe.Model.Dropout);
        if (ctx.Device.type != DeviceType.CPU) model.to(ctx.Device);
        return model;
    }

    private static long MetricsLengthAtFinish(string stageDir)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(stageDir, "state", "trainer.json")));
        return node?["metrics_bytes"]?.GetValue<long>() ?? 0;
    }

    /// <summary>Results only (no timings), so that the same seed gives an identical file.</summary>
    private static JsonObject Summary(Recipe recipe, List<StageResult> results)
    {
        JsonObject? Values(IReadOnlyDictionary<string, double>? v) => v == null ? null : new JsonObject(v.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Math.Round(kv.Value, 8))));
        var stages = new JsonObject();
        foreach (var r in results)
            stages[r.Stage] = new JsonObject
            {
                ["steps"] = r.Steps, ["epochs"] = r.Epochs, ["best_step"] = r.BestStep, ["stopped_early"] = r.StoppedEarly,
                ["best_validation"] = Values(r.BestValidation), ["final_validation"] = Values(r.FinalValidation),
            };
        var last = results[^1];
        return new JsonObject
        {
            ["method"] = recipe.Method, ["recipe"] = recipe.Name, ["seed"] = recipe.Seed, ["fold"] = recipe.Data.Fold,
            ["unlabeled"] = recipe.Method == "baseline" ? null : recipe.Data.Unlabeled,
            ["steps"] = results.Sum(r => r.Steps), ["metric"] = recipe.Training.Metric,
            ["best_validation"] = Values(last.BestValidation), ["final_validation"] = Values(last.FinalValidation),
            ["stages"] = stages,
        };
    }
}
