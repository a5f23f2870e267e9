using System.Text.Json.Nodes;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Models;
using Emolingua.Training.Stages;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Training.FewShot;

/// <summary>
/// Few-shot adaptation of the whole model (opt-in: a training run per draw): the run's own supervised stage (random
/// crops, its augmentations, class-balanced batches, AdamW with the recipe's learning rate and weight decay) on the
/// shots instead of English, starting from the trained model, for a fixed number of steps without validation.
/// Batches hold min(training.batch_size / 4, clips per class) clips of each class. Writes WORK_DIR/model (a model
/// folder) plus the stage's metrics.jsonl and checkpoint, so an interrupted adaptation resumes.
/// </summary>
public static class FullAdaptation
{
    public static void Run(
        string modelDir,
        Recipe recipe,
        IReadOnlyList<Utterance> shots,
        int steps,
        int seed,
        string workDir,
        Device device,
        WaveformStore store,
        Action<string>? log = null
    )
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), "full adaptation needs at least one step");
        var info = ModelBundle.ReadInfo(modelDir);
        var perClass = Math.Max(
            1,
            Math.Min(
                recipe.Training.BatchSize / Emotions.All.Count,
                Emotions.All.Max(e => shots.Count(u => u.Label == e))
            )
        );
        var adapted = Recipe.FromJson(
            JsonNode.Parse(recipe.ToJson())!,
            "few-shot adaptation",
            [RecipeOverride.Of("seed", seed), RecipeOverride.Of("training.batch_size", perClass * Emotions.All.Count)]
        );
        var data = new TrainingData();
        data.EnglishTrain.AddRange(shots);
        var ctx = new StageContext
        {
            Data = data,
            Store = store,
            Device = device,
            Seed = seed,
            EvalBatch = adapted.Training.EvalBatch,
            Provenance = new RunProvenance(adapted.Name, seed, adapted.Data.Fold),
        };
        Directory.CreateDirectory(workDir);
        using var model = ModelBundle.Load(modelDir, device);
        if (adapted.Model.FreezeFrontEnd)
            model.encoder.FreezeFrontEnd();
        var t = adapted.Training;
        using var stage = new SupervisedStage(
            "few-shot-full",
            info.Method,
            model,
            ctx,
            new SupervisedSettings(adapted.Model.Seconds, t.BatchSize, adapted.Augment.Supervised, t.Metric)
        );
        var stageDir = Path.Combine(workDir, "stage");
        new Trainer(workDir, log).Run(
            stage,
            stageDir,
            new StageOptions(
                seed,
                t.LearningRate,
                t.WeightDecay,
                steps,
                1,
                int.MaxValue,
                Math.Max(1, steps / 5),
                t.Prefetch
            ),
            0
        );
        var best = Path.Combine(stageDir, "best");
        AtomicFolder.Write(Path.Combine(workDir, "model"), tmp =>
        {
            foreach (var f in Directory.GetFiles(best))
                File.Copy(f, Path.Combine(tmp, Path.GetFileName(f)));
        });
    }
}
