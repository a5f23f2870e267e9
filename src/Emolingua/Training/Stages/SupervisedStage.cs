using Emolingua.Augmentation;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training.Data;
using Emolingua.Util;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Emolingua.Training.Stages;

/// <summary>
/// Emotion training on labelled English (the Baseline, and CL stage 2): class-balanced batches, random S-second crops,
/// the CL augmentations (waveform, then log-mel) on every utterance ("only the augmented views are used"),
/// cross-entropy; validation = metrics on the English validation fold; export = the model bundle.
/// </summary>
public sealed class SupervisedStage : TrainingStage<SupervisedStage.Inputs>
{
    private readonly StageContext _ctx;
    private readonly SupervisedSettings _settings;
    private readonly EmotionClassifier _model;
    private readonly ClassBalancedSampler _sampler;
    private readonly AugmentationPipeline? _waveAugment,
        _specAugment;
    private readonly string _name,
        _method;
    private readonly double _seconds;

    /// <summary>Step inputs: S-second crops [B][T] and their class indices.</summary>
    public sealed record Inputs(float[][] Crops, long[] Labels);

    public SupervisedStage(
        string name,
        string method,
        EmotionClassifier model,
        StageContext ctx,
        SupervisedSettings settings
    )
    {
        _name = name;
        _method = method;
        _model = model;
        _ctx = ctx;
        _settings = settings;
        _seconds = settings.Seconds;
        _sampler = new ClassBalancedSampler(
            ctx.Data.EnglishTrain,
            settings.BatchSize,
            ctx.Seed,
            "English training data"
        );
        if (settings.Augment)
        {
            _waveAugment = Presets.ContrastiveWaveform();
            _specAugment = Presets.ContrastiveSpectrogram();
        }
        _model.train();
    }

    public override string Name => _name;
    public override nn.Module StateModule => _model;
    public override IEnumerable<(string Name, Parameter Parameter)> TrainableParameters => _model.named_parameters();
    public override bool HigherIsBetter => _settings.Metric != ValidationMetric.Loss;

    public override Inputs Prepare(long step)
    {
        var indices = _sampler.Batch(step);
        var crops = _ctx.RandomCrops(_ctx.Data.EnglishTrain, indices, _seconds, _name + "/crop", step);
        return new Inputs(crops, indices.Select(i => (long)_ctx.Data.EnglishTrain[i].Label!.Value).ToArray());
    }

    public override (Tensor Loss, Dictionary<string, double> Logs) Loss(Inputs x, long step, long totalSteps)
    {
        using var generator = _ctx.AugmentGenerator(_name, step);
        var wave = _ctx.Waveforms(x.Crops); // [B, T]
        if (_waveAugment != null)
            wave = _waveAugment.Apply(wave, generator);
        var mel = WhisperLogMel.Compute(wave, _model.encoder.Config.NumMelBins); // [B, n_mels, frames]
        if (_specAugment != null)
            mel = _specAugment.Apply(mel, generator);
        var logits = _model.forward(mel); // [B, classes]
        var labels = tensor(x.Labels, device: _ctx.Device);
        var loss = nn.functional.cross_entropy(logits, labels);
        double accuracy = logits.argmax(1).eq(labels).to(ScalarType.Float32).mean().item<float>();
        return (loss, new Dictionary<string, double> { ["train_accuracy"] = accuracy });
    }

    public override ValidationResult? Validate()
    {
        if (_ctx.Data.EnglishValidation.Count == 0)
            return null;
        var values = _ctx.EvaluateEmotion(_model, _ctx.Data.EnglishValidation, _seconds);
        return new ValidationResult(values[_settings.Metric.Name()], values);
    }

    public override void Export(string folder) =>
        ModelBundle.Save(folder, _model, _seconds, _method, _ctx.Provenance.ToJson());

    public override IEnumerable<string> Describe()
    {
        yield return $"{_ctx.Data.EnglishTrain.Count} English training utterances, {_ctx.Data.EnglishValidation.Count} validation; class-balanced batches of {_settings.BatchSize}, {_seconds} s random crops";
        if (_waveAugment != null)
            yield return _waveAugment.ToString().ReplaceLineEndings(" | ");
        if (_specAugment != null)
            yield return _specAugment.ToString().ReplaceLineEndings(" | ");
    }

    public override void Dispose()
    {
        _waveAugment?.Dispose();
        _specAugment?.Dispose();
    }
}

/// <summary>What supervised emotion training takes from the recipe: window, batch size, augmentation, early-stopping
/// metric.</summary>
public sealed record SupervisedSettings(double Seconds, int BatchSize, bool Augment, ValidationMetric Metric);
