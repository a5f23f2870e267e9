using System.Text.Json.Nodes;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Scoring;
using Emolingua.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Training.Stages;

/// <summary>What every stage of a run shares: data, decoded-audio store, device, seed, validation batch and
/// provenance.</summary>
public sealed class StageContext
{
    public required TrainingData Data { get; init; }
    public required WaveformStore Store { get; init; }
    public required Device Device { get; init; }
    public required int Seed { get; init; }

    /// <summary>Windows per forward pass when validating.</summary>
    public required int EvalBatch { get; init; }

    /// <summary>Recipe name, seed and fold, written into exported models' config.json.</summary>
    public required RunProvenance Provenance { get; init; }

    /// <summary>Random S-second crops of the given utterances (background thread: arrays only).</summary>
    public float[][] RandomCrops(
        IReadOnlyList<Utterance> utterances,
        int[] indices,
        double seconds,
        string stream,
        long step
    )
    {
        var rng = StepRandom.For(Seed, stream, step);
        var window = WhisperAudio.SamplesFor(seconds);
        return indices.Select(i => Crops.Random(Store.Get(utterances[i].Path), window, rng)).ToArray();
    }

    /// <summary>The generator augmentations of step k draw from.</summary>
    public Generator AugmentGenerator(string stage, long step) =>
        new Generator(StepRandom.Mix((ulong)Seed, StepRandom.Hash(stage + "/augment"), (ulong)step), Device);

    public Tensor Waveforms(float[][] crops) // [B, T]
    {
        var t = crops[0].Length;
        return tensor(AudioWindows.Stack(crops, 0, crops.Length, t), new long[] { crops.Length, t }, device: Device);
    }

    /// <summary>Emotion metrics of a classifier on labelled utterances (windowed, probabilities averaged per
    /// clip).</summary>
    public Dictionary<string, double> EvaluateEmotion(
        EmotionClassifier model,
        IReadOnlyList<Utterance> utterances,
        double seconds
    )
    {
        var labelled = utterances.Where(u => u.Label != null).ToList();
        using var engine = new TorchEmotionEngine(
            model,
            seconds,
            "validation",
            Emotions.All.Select(e => e.Name()).ToList(),
            EvalBatch
        ); // T = 1, the model stays the caller's
        var clips = ClipScorer.Score(engine, labelled.Select(u => Store.Get(u.Path)).ToList());
        var truth = labelled.Select(u => (int)u.Label!.Value).ToArray();
        var nll = ClassProbabilities.NegativeLogLikelihood(clips.Probabilities, truth);
        var scores = Metrics.Compute(truth, clips.Predicted, Emotions.All.Count);
        return new Dictionary<string, double>
        {
            ["accuracy"] = scores.Accuracy,
            ["macro_f1"] = scores.MacroF1,
            ["uar"] = scores.Uar,
            ["loss"] = nll,
        };
    }
}

/// <summary>Where an exported model comes from: its recipe's name, the seed and the fold.</summary>
public sealed record RunProvenance(string Recipe, int Seed, int Fold)
{
    public JsonObject ToJson() =>
        new()
        {
            ["recipe"] = Recipe,
            ["seed"] = Seed,
            ["fold"] = Fold,
        };
}
