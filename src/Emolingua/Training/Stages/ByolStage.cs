using Emolingua.Augmentation;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training.Data;
using Emolingua.Training.Objectives;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Emolingua.Training.Stages;

#pragma warning disable IDE1006 // field names are state-dict keys

/// <summary>
/// BYOL with a supervised head in one stage (paper §2.3): each step draws a class-balanced labelled English batch and
/// an unlabeled low-resource batch; BYOL's symmetric loss runs on two independently augmented views (mixup, random
/// resize crop, masking) of all of them, cross-entropy on a third, mildly augmented view of the English ones;
/// loss = (1 − λ)·CE + λ·BYOL with λ falling linearly 0.8 → 0.2 over the planned steps; the target network follows
/// by EMA after each step. Validation and the exported model use the target encoder with the head.
/// </summary>
public sealed class ByolStage : TrainingStage<ByolStage.Inputs>
{
    private readonly StageContext _ctx;
    private readonly SupervisedSettings _supervisedSettings;
    private readonly Recipe.ByolSection _settings;
    private readonly ByolNetworks _nets;
    private readonly EmotionClassifier _inference;
    private readonly ClassBalancedSampler _labelled;
    private readonly UniformSampler _unlabeled;
    private readonly AugmentationPipeline _view,
        _supervised;
    private readonly EmaSchedule _ema;
    private readonly double _seconds;

    /// <summary>Step inputs: labelled English crops [Be][T] with class indices, unlabeled low-resource crops
    /// [Bu][T].</summary>
    public sealed record Inputs(float[][] English, long[] Labels, float[][] Unlabeled);

    /// <param name="newHead">The classification head for an encoder of the given width.</param>
    public ByolStage(
        Func<WhisperEncoder> newEncoder,
        Func<int, ClassificationHead> newHead,
        StageContext ctx,
        long totalSteps,
        SupervisedSettings supervised,
        Recipe.ByolSection settings
    )
    {
        _ctx = ctx;
        _supervisedSettings = supervised;
        _settings = settings;
        _seconds = supervised.Seconds;
        var onlineEncoder = newEncoder();
        int d = onlineEncoder.Config.DModel,
            b = settings.ProjectorHidden,
            p = settings.ProjectionDim;
        var online = new ByolBranch(onlineEncoder, new ByolMlp(d, b, p));
        var target = new ByolBranch(newEncoder(), new ByolMlp(d, b, p));
        var head = newHead(d);
        _nets = new ByolNetworks(online, new ByolMlp(p, b, p), head, target);
        using (no_grad())
        {
            foreach (var ((_, t), (_, o)) in target.state_dict().Zip(online.state_dict()))
                t.copy_(o);
        }

        foreach (var param in target.parameters())
            param.requires_grad = false;
        _inference = new EmotionClassifier(target.encoder, head);
        _labelled = new ClassBalancedSampler(
            ctx.Data.EnglishTrain,
            supervised.BatchSize,
            ctx.Seed,
            "English training data"
        );
        _unlabeled = new UniformSampler(
            ctx.Data.UnlabeledTrain.Count,
            settings.UnlabeledBatch,
            ctx.Seed,
            "byol/unlabeled",
            "unlabeled low-resource data"
        );
        _view = Presets.ByolView(settings.MixupMemory);
        _supervised = Presets.ByolSupervised();
        _ema =
            settings.EmaSchedule == Util.EmaCurve.Cosine
                ? EmaSchedule.Cosine(settings.EmaTau, totalSteps)
                : EmaSchedule.Constant(settings.EmaTau);
        _nets.train();
    }

    public override string Name => "byol";
    public override nn.Module StateModule => _nets;
    public override bool HigherIsBetter => _supervisedSettings.Metric != Util.ValidationMetric.Loss;

    public override IEnumerable<(string Name, Parameter Parameter)> TrainableParameters =>
        _nets.named_parameters().Where(p => !p.name.StartsWith("target.", StringComparison.Ordinal));

    public override Inputs Prepare(long step)
    {
        var english = _labelled.Batch(step);
        var unlabeled = _unlabeled.Batch(step);
        return new Inputs(
            _ctx.RandomCrops(_ctx.Data.EnglishTrain, english, _seconds, "byol/english", step),
            english.Select(i => (long)_ctx.Data.EnglishTrain[i].Label!.Value).ToArray(),
            _ctx.RandomCrops(_ctx.Data.UnlabeledTrain, unlabeled, _seconds, "byol/unlabeled", step)
        );
    }

    public override (Tensor Loss, Dictionary<string, double> Logs) Loss(Inputs x, long step, long totalSteps)
    {
        using var generator = _ctx.AugmentGenerator(Name, step);
        var nMels = _nets.online.encoder.Config.NumMelBins;
        var englishMel = WhisperLogMel.Compute(_ctx.Waveforms(x.English), nMels); // [Be, n_mels, F]
        var unlabeledMel = WhisperLogMel.Compute(_ctx.Waveforms(x.Unlabeled), nMels); // [Bu, n_mels, F]
        var all = cat(new[] { englishMel, unlabeledMel }, 0); // labels ignored here
        var view1 = _view.Apply(all, generator);
        var view2 = _view.Apply(all, generator);
        var q1 = _nets.predictor.forward(_nets.online.forward(view1)); // [B, P]
        var q2 = _nets.predictor.forward(_nets.online.forward(view2));
        Tensor z1,
            z2;
        using (no_grad())
        {
            z1 = _nets.target.forward(view1);
            z2 = _nets.target.forward(view2);
        }
        var byol = ByolLoss.Symmetric(q1, z2, q2, z1);

        var supervisedView = _supervised.Apply(englishMel, generator);
        var logits = _nets.head.forward(_nets.online.encoder.Embed(supervisedView)); // [Be, classes]
        var labels = tensor(x.Labels, device: _ctx.Device);
        var ce = nn.functional.cross_entropy(logits, labels);
        var lambda = LambdaSchedule.Linear(
            step,
            Math.Max(1, totalSteps - 1),
            _settings.LambdaStart,
            _settings.LambdaEnd
        );
        var loss = LambdaSchedule.Mixed(ce, byol, lambda);
        return (
            loss,
            new Dictionary<string, double>
            {
                ["ce"] = ce.item<float>(),
                ["byol"] = byol.item<float>(),
                ["lambda"] = lambda,
            }
        );
    }

    public override void AfterOptimizerStep(long step, long totalSteps) =>
        Ema.Update(_nets.target, _nets.online, _ema.Tau(step));

    public override ValidationResult? Validate()
    {
        if (_ctx.Data.EnglishValidation.Count == 0)
            return null;
        var values = _ctx.EvaluateEmotion(_inference, _ctx.Data.EnglishValidation, _seconds);
        _nets.train();
        return new ValidationResult(
            values[Util.Vocabulary<Util.ValidationMetric>.Name(_supervisedSettings.Metric)],
            values
        );
    }

    public override void Export(string folder)
    {
        var provenance = _ctx.Provenance.ToJson();
        provenance["encoder"] = "target";
        ModelBundle.Save(
            folder,
            _inference,
            _seconds,
            Util.Vocabulary<Util.TrainingMethod>.Name(Util.TrainingMethod.Byol),
            provenance
        );
    }

    public override Dictionary<string, (float[] Data, long[] Shape)> ExtraState() =>
        StateDict.ToFloat32(_view.StateDict().Select(kv => ("view." + kv.Key, kv.Value)));

    public override void LoadExtraState(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> state)
    {
        var restored = new Dictionary<string, Tensor>();
        foreach (var (key, (data, shape)) in state)
        {
            if (!key.StartsWith("view.", StringComparison.Ordinal))
                continue;
            var t = tensor(data, shape);
            // Counters were stored as floats (exact below 2^24); the pipeline expects integers.
            restored[key["view.".Length..]] =
                key.EndsWith("count") || key.EndsWith("next") ? t.to(ScalarType.Int64) : t;
        }
        _view.LoadStateDict(restored, _ctx.Device);
    }

    public override IEnumerable<string> Describe()
    {
        var b = _settings;
        yield return $"{_ctx.Data.EnglishTrain.Count} labelled English + {_ctx.Data.UnlabeledTrain.Count} unlabeled low-resource utterances; per step {_supervisedSettings.BatchSize} labelled (class-balanced) + {b.UnlabeledBatch} unlabeled, {_seconds} s crops";
        yield return $"lambda {b.LambdaStart} -> {b.LambdaEnd} linear; EMA {b.EmaSchedule} tau {b.EmaTau}; projector {b.ProjectorHidden} -> {b.ProjectionDim}";
        yield return _view.ToString().ReplaceLineEndings(" | ");
        yield return _supervised.ToString().ReplaceLineEndings(" | ");
    }

    public override void Dispose()
    {
        _view.Dispose();
        _supervised.Dispose();
    }
}
