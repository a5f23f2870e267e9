using System.Text.Json.Nodes;
using Emolingua.Augmentation;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Emolingua.Training.Stages;

/// <summary>
/// Emotion training on labelled English (the Baseline, and CL stage 2): class-balanced batches, random S-second crops,
/// the CL augmentations (waveform, then log-mel) on every utterance ("only the augmented views are used"),
/// cross-entropy; validation = metrics on the English validation fold; export = the model bundle.
/// </summary>
public sealed class SupervisedStage : TrainingStage
{
    private readonly StageContext _ctx;
    private readonly EmotionClassifier _model;
    private readonly ClassBalancedSampler _sampler;
    private readonly AugmentationPipeline? _waveAugment, _specAugment;
    private readonly string _name, _method;
    private readonly double _seconds;

    private sealed record Inputs(float[][] Crops, long[] Labels);

    public SupervisedStage(string name, string method, EmotionClassifier model, StageContext ctx)
    {
        _name = name; _method = method; _model = model; _ctx = ctx;
        _seconds = ctx.Recipe.Model.Seconds;
        _sampler = new ClassBalancedSampler(ctx.Data.EnglishTrain, ctx.Recipe.Training.BatchSize, ctx.Seed, "English training data");
        if (ctx.Recipe.Augment.Supervised)
        {
            _waveAugment = Presets.ContrastiveWaveform();
            _specAugment = Presets.ContrastiveSpectrogram();
        }
        _model.train();
    }

    public override string Name => _name;
    public override nn.Module StateModule => _model;
    public override IEnumerable<(string Name, Parameter Parameter)> TrainableParameters => _model.named_parameters();
    public override bool HigherIsBetter => _ctx.Recipe.Training.Metric != "loss";

    public override object Prepare(long step)
    {
        var indices = _sampler.Batch(step);
        var crops = _ctx.RandomCrops(_ctx.Data.EnglishTrain, indices, _seconds, _name + "/crop", step);
        return new Inputs(crops, indices.Select(i => (long)_ctx.Data.EnglishTrain[i].Label!.Value).ToArray());
    }

    public override (Tensor Loss, Dictionary<string, double> Logs) Loss(object inputs, long step, long totalSteps)
    {
        var x = (Inputs)inputs;
        using var generator = _ctx.AugmentGenerator(_name, step);
        var wave = _ctx.Waveforms(x.Crops);                                             // [B, T]
        if (_waveAugment != null) wave = _waveAugment.Apply(wave, generator);
        var mel = WhisperLogMel.Compute(wave, _model.encoder.Config.NumMelBins);         // [B, n_mels, frames]
        if (_specAugment != null) mel = _specAugment.Apply(mel, generator);
        var logits = _model.forward(mel);                                                 // [B, 4]
        var labels = tensor(x.Labels, device: _ctx.Device);
        var loss = nn.functional.cross_entropy(logits, labels);
        double accuracy = logits.argmax(1).eq(labels).to(ScalarType.Float32).mean().item<float>();
        return (loss, new Dictionary<string, double> { ["train_accuracy"] = accuracy });
    }

    public override ValidationResult? Validate()
    {
        if (_ctx.Data.EnglishValidation.Count == 0) return null;
        var values = _ctx.EvaluateEmotion(_model, _ctx.Data.EnglishValidation, _seconds);
        return new ValidationResult(values[_ctx.Recipe.Training.Metric], values);
    }

    public override void Export(string folder) =>
        ModelBundle.Save(folder, _model, _seconds, _method, new JsonObject { ["recipe"] = _ctx.Recipe.Name, ["seed"] = _ctx.Seed, ["fold"] = _ctx.Recipe.Data.Fold });

    public override IEnumerable<string> Describe()
    {
        yield return $"{_ctx.Data.EnglishTrain.Count} English training utterances, {_ctx.Data.EnglishValidation.Count} validation; class-balanced batches of {_ctx.Recipe.Training.BatchSize}, {_seconds} s random crops";
        if (_waveAugment != null) yield return _waveAugment.ToString().ReplaceLineEndings(" | ");
        if (_specAugment != null) yield return _specAugment.ToString().ReplaceLineEndings(" | ");
    }

    public override void Dispose()
    {
        _waveAugment?.Dispose();
        _specAugment?.Dispose();
    }
}
