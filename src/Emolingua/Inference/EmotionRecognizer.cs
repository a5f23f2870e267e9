using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Inference;

/// <summary>One clip's result: the most probable label and every class's probability (angry, happy, neutral, sad).</summary>
public sealed record EmotionPrediction(string Label, IReadOnlyDictionary<string, float> Probabilities);

/// <summary>
/// The library API for .NET callers: load a trained model once, then predict from a file or from samples at any
/// sample rate. Thread-safe (calls are serialised: libtorch modules are not safe for concurrent forward passes
/// from several threads); dispose to free the native memory.
/// <code>
/// using var recognizer = EmotionRecognizer.Load("runs/baseline/fold1-seed0");
/// var p = recognizer.Predict("clip.wav");   // p.Label, p.Probabilities["sad"]
/// </code>
/// </summary>
public sealed class EmotionRecognizer : IDisposable
{
    private readonly EmotionClassifier _model;
    private readonly object _gate = new();
    private bool _disposed;

    public double Seconds { get; }
    public string Method { get; }
    public IReadOnlyList<string> Labels { get; }

    private EmotionRecognizer(EmotionClassifier model, ModelBundle.Info info)
    {
        _model = model; Seconds = info.Seconds; Method = info.Method; Labels = info.Labels;
    }

    /// <param name="path">A run folder (holding model/) or a model folder.</param>
    public static EmotionRecognizer Load(string path, Device? device = null)
    {
        var folder = ModelBundle.Locate(path);
        return new EmotionRecognizer(ModelBundle.Load(folder, device), ModelBundle.ReadInfo(folder));
    }

    public EmotionPrediction Predict(string audioPath) => Predict(new[] { audioPath })[0];

    public IReadOnlyList<EmotionPrediction> Predict(IReadOnlyList<string> audioPaths) =>
        PredictClips(audioPaths.Select(p =>
        {
            var samples = AudioFile.Read(p, WhisperAudio.SampleRate).Samples;
            return samples.Length > 0 ? samples : throw new EmolinguaException(p, "empty audio (no samples)");
        }).ToList());

    public EmotionPrediction Predict(ReadOnlySpan<float> samples, int sampleRate)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), "sample rate must be positive");
        var clip = sampleRate == WhisperAudio.SampleRate ? samples.ToArray() : Resampler.Resample(samples, sampleRate, WhisperAudio.SampleRate);
        return PredictClips(new[] { clip })[0];
    }

    private IReadOnlyList<EmotionPrediction> PredictClips(IReadOnlyList<float[]> clips)
    {
        foreach (var c in clips)
            if (c.Length == 0) throw new EmolinguaException("predict: empty audio (no samples)");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var output = WindowedPredictor.Predict(_model, clips, Seconds);
            return output.Probabilities.Select(p => new EmotionPrediction(
                Labels[Array.IndexOf(p, p.Max())],
                Labels.Select((l, i) => (l, p[i])).ToDictionary(x => x.l, x => x.Item2))).ToList();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _model.Dispose();
        }
    }
}
