using System.Text.Json.Nodes;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Scoring;
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
    /// <param name="Progress">Told every step of every stage (the CLI draws a progress bar from it).</param>
    /// <param name="Stop">Requests a checkpoint and a <see cref="TrainingInterruptedException"/> (a scheduler's
    /// signal).</param>
    public sealed record Options(
        string RunDir,
        string? DataDir,
        Device Device,
        bool Resume,
        Action<string>? Log = null,
        Action<string, long>? AfterStep = null,
        WaveformStore? Store = null,
        IProgress<TrainingProgress>? Progress = null,
        CancellationToken Stop = default,
        CpuFeatures? Cpu = null
    );

    // Cpu: the CPU whose flags decide whether bf16 may run (default this machine's; tests name one with native bf16 to
    // run the bf16 path on any machine, where libtorch computes it correctly but slowly).

    public static RunSummary Execute(Recipe recipe, Options o)
    {
        var runDir = Path.GetFullPath(o.RunDir);
        bool createdDir = !Directory.Exists(runDir),
            newRun = !File.Exists(Path.Combine(runDir, "recipe.json"));
        try
        {
            return ExecuteIn(recipe, o);
        }
        catch (EmolinguaException) when (newRun && !HasCheckpoint(runDir))
        {
            // A new run that failed (bad input, divergence in its first epoch) before its first checkpoint holds
            // nothing to resume: remove what it wrote, so that the same --out works again once the input is fixed.
            RemoveNewRun(runDir, createdDir);
            throw;
        }
    }

    private static bool HasCheckpoint(string runDir) =>
        Directory.Exists(Path.Combine(runDir, "stages"))
        && Directory.EnumerateFiles(Path.Combine(runDir, "stages"), "trainer.json", SearchOption.AllDirectories).Any();

    private static void RemoveNewRun(string runDir, bool createdDir)
    {
        if (!Directory.Exists(runDir))
            return;
        if (createdDir)
        {
            Directory.Delete(runDir, recursive: true);
            return;
        }
        foreach (var file in new[] { "recipe.json", "metrics.jsonl" })
            File.Delete(Path.Combine(runDir, file));
        if (Directory.Exists(Path.Combine(runDir, "stages")))
            Directory.Delete(Path.Combine(runDir, "stages"), recursive: true);
    }

    private static RunSummary ExecuteIn(Recipe recipe, Options o)
    {
        var log = o.Log ?? (m => Console.Error.WriteLine(m));
        var precision = recipe.Training.Precision ?? Precision.Fp32;
        Precisions.Require(precision, "training.precision", o.Cpu ?? CpuFeatures.Machine);
        var runDir = Path.GetFullPath(o.RunDir);
        var recipePath = Path.Combine(runDir, "recipe.json");
        var recipeJson = recipe.ToJson();
        if (File.Exists(recipePath))
        {
            if (!o.Resume)
            {
                throw new EmolinguaException(
                    runDir,
                    "already holds a run (recipe.json); pass --resume to continue it or choose another --out"
                );
            }

            if (File.ReadAllText(recipePath) != recipeJson)
            {
                throw new EmolinguaException(
                    recipePath,
                    "the recipe differs from the one this run started with; resume needs the same recipe, seed and --set values"
                );
            }
        }
        // The data is read before RUN_DIR is made, so that a missing or malformed corpus leaves nothing behind.
        var data = TrainingData.Load(
            recipe,
            o.DataDir,
            needEnglish: true,
            needUnlabeled: recipe.Method != TrainingMethod.Baseline
        );
        Directory.CreateDirectory(runDir);
        if (!File.Exists(recipePath))
            AtomicFile.WriteAllText(recipePath, recipeJson);
        foreach (var note in data.Notes)
            log($"data: {note}");
        var cache = recipe.Data.Cache is { } cacheRoot ? TrainingData.ResolveRoot(cacheRoot, o.DataDir) : null;
        var ctx = new StageContext
        {
            Data = data,
            Store = o.Store ?? new WaveformStore(WhisperAudio.SampleRate, cache),
            Device = o.Device,
            Seed = recipe.Seed,
            EvalBatch = recipe.Training.EvalBatch,
            Provenance = new RunProvenance(recipe.Name, recipe.Seed, recipe.Data.Fold),
        };
        if (recipe.Training.Threads is int threads)
            torch.set_num_threads(threads);
        var header = MachineReport.Describe();
        header["precision"] = precision.Name();
        var headerBytes = new MetricsLog(runDir).EnsureHeader(header);
        var trainer = new Trainer(runDir, log, o.AfterStep, o.Progress, o.Stop);
        var t = recipe.Training;
        var m = recipe.Model;
        var stageOptions = new StageOptions(
            recipe.Seed,
            t.LearningRate,
            t.WeightDecay,
            t.StepsPerEpoch,
            t.MaxEpochs,
            t.Patience,
            t.LogEvery,
            t.Prefetch
        );
        var supervised = new SupervisedSettings(m.Seconds, t.BatchSize, recipe.Augment.Supervised, t.Metric);
        var stagesDir = Path.Combine(runDir, "stages");
        var results = new List<StageResult>();
        string finalBest;

        switch (recipe.Method)
        {
            case TrainingMethod.Baseline:
            {
                using var model = NewClassifier(recipe, ctx, NewEncoder(recipe));
                using var stage = new SupervisedStage(
                    "baseline",
                    TrainingMethod.Baseline.Name(),
                    model,
                    ctx,
                    supervised
                );
                results.Add(trainer.Run(stage, Path.Combine(stagesDir, "baseline"), stageOptions, headerBytes));
                finalBest = Path.Combine(stagesDir, "baseline", "best");
                break;
            }
            case TrainingMethod.Contrastive:
            {
                var c = recipe.Contrastive;
                var stage1Dir = Path.Combine(stagesDir, "stage1");
                using (var encoder = NewEncoder(recipe))
                using (var stage1 = new ContrastiveStage(encoder, ctx, m.Seconds, c))
                {
                    results.Add(
                        trainer.Run(
                            stage1,
                            stage1Dir,
                            stageOptions with
                            {
                                LearningRate = c.Stage1LearningRate,
                                MaxEpochs = c.Stage1MaxEpochs,
                                Patience = c.Stage1Patience,
                            },
                            headerBytes
                        )
                    );
                }

                var stage1Bytes = Trainer.MetricsBytesAtCheckpoint(stage1Dir);
                var adapted = WhisperCheckpoint
                    .FromFolder(Path.Combine(stage1Dir, "best"))
                    .LoadEncoder(WhisperAudio.PositionsFor(m.Seconds));
                if (m.FreezeFrontEnd)
                    adapted.FreezeFrontEnd();
                adapted.Precision = precision;
                using var model = NewClassifier(recipe, ctx, adapted);
                using var stage2 = new SupervisedStage(
                    "contrastive-stage2",
                    TrainingMethod.Contrastive.Name(),
                    model,
                    ctx,
                    supervised
                );
                results.Add(trainer.Run(stage2, Path.Combine(stagesDir, "stage2"), stageOptions, stage1Bytes));
                finalBest = Path.Combine(stagesDir, "stage2", "best");
                break;
            }
            case TrainingMethod.Byol:
            {
                var totalSteps = (long)t.StepsPerEpoch * t.MaxEpochs;
                using var stage = new ByolStage(
                    () => NewEncoder(recipe),
                    d => new ClassificationHead(d, m.HeadHidden, Emotions.All.Count, m.Dropout),
                    ctx,
                    totalSteps,
                    supervised,
                    recipe.Byol
                );
                results.Add(trainer.Run(stage, Path.Combine(stagesDir, "byol"), stageOptions, headerBytes));
                finalBest = Path.Combine(stagesDir, "byol", "best");
                break;
            }
            default:
                throw new EmolinguaException(
                    recipe.Name,
                    $"unknown method '{recipe.Method}' (baseline, contrastive or byol)"
                );
        }

        // The deliverable: the final stage's best-validation model, copied into RUN_DIR/model with its calibration.
        var calibration = FitCalibration(finalBest, recipe.Model.Seconds, ctx, log);
        AtomicFolder.Write(Path.Combine(runDir, "model"), tmp =>
        {
            foreach (var f in Directory.GetFiles(finalBest))
                File.Copy(f, Path.Combine(tmp, Path.GetFileName(f)));
            if (calibration != null)
                ModelBundle.WriteCalibration(tmp, calibration, "english_validation");
        });
        var summary = RunSummary.Of(recipe, results);
        Json.Save(Path.Combine(runDir, "summary.json"), summary);
        return summary;
    }

    /// <summary>
    /// Temperature scaling of the final best model on the English validation set (every window's logits, clips scored
    /// by the mean of their windows' probabilities); null when the run has no labelled validation set (then T = 1).
    /// </summary>
    private static TemperatureScaling.Fit? FitCalibration(
        string bestFolder,
        double seconds,
        StageContext ctx,
        Action<string> log
    )
    {
        var validation = ctx.Data.EnglishValidation.Where(u => u.Label != null).ToList();
        if (validation.Count == 0)
        {
            log("calibration: no labelled English validation set; the model keeps T = 1");
            return null;
        }
        using var model = ModelBundle.Load(bestFolder, ctx.Device);
        var windows = ClipScorer.Windows(validation.Select(u => ctx.Store.Get(u.Path)).ToList(), seconds);
        var logits = model.WindowLogits(windows.Select(w => w.Samples).ToList(), ctx.EvalBatch); // [windows][classes]
        var byClip = ClipScorer
            .FromWindows(windows.Select(w => w.Clip).ToList(), validation.Count, logits)
            .ByClip(logits);
        var fit = TemperatureScaling.FitTemperature(byClip, validation.Select(u => (int)u.Label!.Value).ToList());
        log(
            $"calibration: temperature {fit.Temperature:0.000} on {fit.Clips} English validation clips; NLL {fit.NllBefore:0.0000} -> {fit.NllAfter:0.0000}, ECE {fit.EceBefore:0.0000} -> {fit.EceAfter:0.0000}"
        );
        return fit;
    }

    /// <summary>The recipe's encoder: its Whisper weights, or a seeded random initialisation of its size or
    /// dims.</summary>
    private static WhisperEncoder NewEncoder(Recipe recipe)
    {
        var m = recipe.Model;
        var positions = WhisperAudio.PositionsFor(m.Seconds);
        WhisperEncoder encoder;
        if (m.Whisper != null)
        {
            encoder = WhisperCheckpoint.Resolve(m.Whisper).LoadEncoder(positions);
        }
        else
        {
            var config = m.Dims is { } d
                ? new WhisperConfig(d.DModel, d.EncoderLayers, d.EncoderAttentionHeads, d.EncoderFfnDim, d.NumMelBins)
                : WhisperConfig.ForSize(m.Size!);
            config.Validate("recipe model");
            torch.random.manual_seed(recipe.Seed); // random initialisation is part of the seeded run
            encoder = new WhisperEncoder(config, positions);
        }
        if (m.FreezeFrontEnd)
            encoder.FreezeFrontEnd();
        encoder.Precision = recipe.Training.Precision ?? Precision.Fp32;
        return encoder;
    }

    private static EmotionClassifier NewClassifier(Recipe recipe, StageContext ctx, WhisperEncoder encoder)
    {
        torch.random.manual_seed(recipe.Seed + 1); // the head's initialisation is part of the seeded run
        var model = new EmotionClassifier(encoder, Emotions.All.Count, recipe.Model.HeadHidden, recipe.Model.Dropout);
        if (ctx.Device.type != DeviceType.CPU)
            model.to(ctx.Device);
        return model;
    }
}
