using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Evaluation;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Training.Stages;

/// <summary>What every stage of a run shares: recipe, data, decoded-audio store, device and seed.</summary>
public sealed class StageContext
{
    public required Recipe Recipe { get; init; }
    public required TrainingData Data { get; init; }
    public required WaveformStore Store { get; init; }
    public required Device Device { get; init; }
    public int Seed => Recipe.Seed;

    /// <summary>Random S-second crops of the given utterances (background thread: arrays only).</summary>
    public float[][] RandomCrops(IReadOnlyList<Utterance> utterances, int[] indices, double seconds, string stream, long step)
    {
        var rng = StepRandom.For(Seed, stream, step);
        int window = WhisperAudio.SamplesFor(seconds);
        return indices.Select(i => Crops.Random(Store.Get(utterances[i].Path), window, rng)).ToArray();
    }

    /// <summary>The generator augmentations of step k draw from.</summary>
    public Generator AugmentGenerator(string stage, long step) =>
        new Generator(StepRandom.Mix((ulong)Seed, StepRandom.Hash(stage + "/augment"), (ulong)step), Device);

    public Tensor Waveforms(float[][] crops) // [B, T]
    {
        int t = crops[0].Length;
        var flat = new float[crops.Length * t];
        for (int i = 0; i < crops.Length; i++) crops[i].CopyTo(flat, i * t);
        return tensor(flat, new long[] { crops.Length, t }, device: Device);
    }

    /// <summary>Emotion metrics of a classifier on labelled utterances (windowed, probabilities averaged per clip).</summary>
    public Dictionary<string, double> EvaluateEmotion(EmotionClassifier model, IReadOnlyList<Utterance> utterances, double seconds)
    {
        var labelled = utterances.Where(u => u.Label != null).ToList();
        var (probabilities, _) = model.ClassifyClips(labelled.Select(u => Store.Get(u.Path)).ToList(), seconds, Recipe.Training.EvalBatch);
        var truth = labelled.Select(u => (int)u.Label!.Value).ToArray();
        var predicted = probabilities.Select(p => Array.IndexOf(p, p.Max())).ToArray();
        double nll = probabilities.Select((probs, i) => -Math.Log(Math.Max(probs[truth[i]], 1e-12))).Average();
        return new Dictionary<string, double>
        {
            ["accuracy"] = Metrics.Accuracy(truth, predicted),
            ["macro_f1"] = Metrics.MacroF1(truth, predicted, Emotions.All.Count),
            ["uar"] = Metrics.Uar(truth, predicted, Emotions.All.Count),
            ["loss"] = nll,
        };
    }

    public WhisperEncoder NewEncoder(double seconds)
    {
        var m = Recipe.Model;
        int positions = WhisperAudio.PositionsFor(seconds);
        WhisperEncoder encoder;
        if (m.Whisper != null) encoder = WhisperCheckpoint.Resolve(m.Whisper).LoadEncoder(positions);
        else
        {
            var config = m.Dims is { } d
                ? new WhisperConfig(d.DModel, d.EncoderLayers, d.EncoderAttentionHeads, d.EncoderFfnDim, d.NumMelBins)
                : WhisperConfig.ForSize(m.Size!);
            config.Validate("recipe model");
            torch.random.manual_seed(Seed); // random initialisation is part of the seeded run
            encoder = new WhisperEncoder(config, positions);
        }
        if (m.FreezeFrontEnd) encoder.FreezeFrontEnd();
        return encoder;
    }

    public static float[] ToFloats(Tensor t) => t.cpu().to(ScalarType.Float32).data<float>().ToArray();
}
