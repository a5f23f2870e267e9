using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Inference;

/// <summary>One window of a clip: its time range in the clip (seconds), most probable label and class probabilities.</summary>
public sealed record WindowPrediction(double StartSeconds, double EndSeconds, string Label, IReadOnlyDictionary<string, float> Probabilities)
{
    /// <summary>The probability of <see cref="Label"/>.</summary>
    public float Confidence => Probabilities[Label];

    /// <summary><see cref="Label"/>, or <see cref="EmotionPrediction.Uncertain"/> when <see cref="Confidence"/> is below <paramref name="minConfidence"/>.</summary>
    public string LabelAt(double minConfidence) => Confidence < minConfidence ? EmotionPrediction.Uncertain : Label;
}

/// <summary>
/// One clip's result: the most probable label and every class's calibrated probability (the windows' probabilities
/// averaged), the clip's duration, and one segment per window (a clip no longer than the window has one segment).
/// </summary>
public sealed record EmotionPrediction(string Label, IReadOnlyDictionary<string, float> Probabilities)
{
    /// <summary>The label given instead of a class when the top probability is below a caller's threshold.</summary>
    public const string Uncertain = "uncertain";

    /// <summary>The probability of <see cref="Label"/>.</summary>
    public float Confidence => Probabilities[Label];

    /// <summary><see cref="Label"/>, or <see cref="Uncertain"/> when <see cref="Confidence"/> is below <paramref name="minConfidence"/>.</summary>
    public string LabelAt(double minConfidence) => Confidence < minConfidence ? Uncertain : Label;

    public double DurationSeconds { get; init; }
    public IReadOnlyList<WindowPrediction> Segments { get; init; } = [];
}

/// <summary>
/// The library API for .NET callers: load a trained model once, then predict from a file or from samples at any
/// sample rate. Long clips are read as S-second windows with 50 % overlap (<see cref="AudioWindows"/>) and the
/// windows' probabilities averaged. Thread-safe (calls are serialised: neither libtorch modules nor the engines'
/// buffers are safe for concurrent use); dispose to free the native memory.
/// <code>
/// using var recognizer = EmotionRecognizer.Load("runs/baseline/fold1-seed0");
/// var p = recognizer.Predict("clip.wav");   // p.Label, p.Probabilities["sad"], p.Segments
/// </code>
/// </summary>
public sealed class EmotionRecognizer : IDisposable
{
    private readonly IEmotionEngine _engine;
    private readonly object _gate = new();
    private bool _disposed;

    public double Seconds => _engine.Seconds;
    public string Method => _engine.Method;
    public IReadOnlyList<string> Labels => _engine.Labels;
    /// <summary>"torch" or "onnx".</summary>
    public string Engine => _engine.Name;
    /// <summary>The calibration temperature T: every probability is softmax(logits / T) (1 for a model without calibration.json).</summary>
    public double Temperature => _engine.Temperature;

    /// <summary>Wraps an engine; the recognizer disposes it.</summary>
    public EmotionRecognizer(IEmotionEngine engine) => _engine = engine;

    /// <param name="path">A run folder (holding model/) or a model folder (run by TorchSharp), or an exported .onnx file (run by ONNX Runtime).</param>
    public static EmotionRecognizer Load(string path, Device? device = null) => new(EmotionEngines.Open(path, EngineKind.Auto, device));

    /// <param name="path">A run folder, a model folder or an exported .onnx file.</param>
    /// <param name="engine">The runtime; <see cref="EngineKind.Onnx"/> on a folder exports the model in memory first.</param>
    public static EmotionRecognizer Load(string path, EngineKind engine, Device? device = null) => new(EmotionEngines.Open(path, engine, device));

    public EmotionPrediction Predict(string audioPath) => Predict(new[] { audioPath })[0];

    public IReadOnlyList<EmotionPrediction> Predict(IReadOnlyList<string> audioPaths)
    {
        var clips = audioPaths.Select(p =>
        {
            var samples = AudioFile.Read(p, WhisperAudio.SampleRate).Samples;
            return samples.Length > 0 ? samples : throw new EmolinguaException(p, "empty audio (no samples)");
        }).ToList();
        try { return PredictClips(clips); }
        catch (NonFiniteOutputException e) when (audioPaths.Count == 1) { throw new EmolinguaException(audioPaths[0], e.Problem, e); }
    }

    public EmotionPrediction Predict(ReadOnlySpan<float> samples, int sampleRate)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), "sample rate must be positive");
        Finite.Require(samples, "samples", "sample"); // NaN in, NaN probabilities out: refuse it at the door
        SampleRange.Require(samples, "samples");
        var clip = sampleRate == WhisperAudio.SampleRate ? samples.ToArray() : Resampler.Resample(samples, sampleRate, WhisperAudio.SampleRate);
        return PredictClips(new[] { clip })[0];
    }

    /// <summary>Windows per call to the engine: a multiple of both engines' batch sizes (32, 16), so batches, and hence every number, are as in one call.</summary>
    private const int ChunkWindows = 32;

    /// <summary>Predictions for 16 kHz mono clips, in order.</summary>
    public IReadOnlyList<EmotionPrediction> PredictClips(IReadOnlyList<float[]> clips)
    {
        foreach (var c in clips)
            if (c.Length == 0) throw new EmolinguaException("predict: empty audio (no samples)");
        // Where each window lies, without its samples: those are copied a chunk at a time, so memory holds the clips
        // and one chunk rather than every sample twice more (windows overlap by half).
        int windowSamples = WhisperAudio.SamplesFor(Seconds);
        var windows = clips.SelectMany((clip, c) => AudioWindows.Starts(clip.Length, windowSamples)
            .Select(start => new AudioWindows.Window(c, start, Math.Min(windowSamples, clip.Length - start), []))).ToList();
        var probabilities = new float[windows.Count][];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (int from = 0; from < windows.Count; from += ChunkWindows)
            {
                var chunk = windows.GetRange(from, Math.Min(ChunkWindows, windows.Count - from))
                    .Select(w => WhisperLogMel.CropOrPad(clips[w.Clip].AsSpan(w.Start), windowSamples)).ToList();
                _engine.Classify(chunk).Probabilities.CopyTo(probabilities, from);
            }
        }
        var perClip = AudioWindows.MeanByClip(windows, probabilities, clips.Count);
        var windowsByClip = windows.Select((w, i) => (w, i)).ToLookup(x => x.w.Clip);
        return clips.Select((clip, c) => Prediction(perClip[c]) with
        {
            DurationSeconds = clip.Length / (double)WhisperAudio.SampleRate,
            Segments = windowsByClip[c].Select(x =>
            {
                var p = Prediction(probabilities[x.i]);
                return new WindowPrediction(x.w.Start / (double)WhisperAudio.SampleRate, (x.w.Start + x.w.Length) / (double)WhisperAudio.SampleRate, p.Label, p.Probabilities);
            }).ToList(),
        }).ToList();
    }

    private EmotionPrediction Prediction(float[] p) =>
        new(Labels[Array.IndexOf(p, p.Max())], Labels.Select((l, i) => (l, p[i])).ToDictionary(x => x.l, x => x.Item2));

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _engine.Dispose();
        }
    }
}
