using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>One window of a clip: its time range in the clip (seconds), most probable label and class
/// probabilities.</summary>
public sealed record WindowPrediction(
    double StartSeconds,
    double EndSeconds,
    string Label,
    IReadOnlyDictionary<string, float> Probabilities
)
{
    /// <summary>The probability of <see cref="Label"/>.</summary>
    public float Confidence => Probabilities[Label];

    /// <summary><see cref="Label"/>, or <see cref="EmotionPrediction.Uncertain"/> when <see cref="Confidence"/> is
    /// below <paramref name="minConfidence"/>.</summary>
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

    /// <summary>The probability of <see cref="Label"/> (0 for a label that is no class: a live stream's
    /// "silence").</summary>
    public float Confidence => Probabilities.TryGetValue(Label, out var p) ? p : 0;

    /// <summary><see cref="Label"/>, or <see cref="Uncertain"/> when <see cref="Confidence"/> is below
    /// <paramref name="minConfidence"/>.</summary>
    public string LabelAt(double minConfidence) =>
        Probabilities.ContainsKey(Label) && Confidence < minConfidence ? Uncertain : Label;

    /// <summary>The clip's length in seconds.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>One prediction per window of the clip, in time order.</summary>
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

    /// <summary>The window length S in seconds the model reads.</summary>
    public double Seconds => _engine.Seconds;

    /// <summary>The training method recorded with the model.</summary>
    public string Method => _engine.Method;

    /// <summary>Class names in the model's output order.</summary>
    public IReadOnlyList<string> Labels => _engine.Labels;

    /// <summary>"torch" or "onnx".</summary>
    public string Engine => _engine.Name;

    /// <summary>The calibration temperature T: every probability is softmax(logits / T) (1 for a model without
    /// calibration.json).</summary>
    public double Temperature => _engine.Temperature;

    /// <summary>Wraps an engine; the recognizer disposes it.</summary>
    public EmotionRecognizer(IEmotionEngine engine) => _engine = engine;

    /// <param name="path">An exported .onnx file (run by ONNX Runtime), or a run folder (holding model/) or a model
    /// folder (run by TorchSharp: needs the Emolingua package).</param>
    public static EmotionRecognizer Load(string path) => new(EmotionEngines.Open(path, EngineKind.Auto));

    /// <param name="path">A run folder, a model folder or an exported .onnx file.</param>
    /// <param name="engine">The runtime; <see cref="EngineKind.Onnx"/> on a folder exports the model in memory
    /// first.</param>
    public static EmotionRecognizer Load(string path, EngineKind engine) => new(EmotionEngines.Open(path, engine));

    /// <summary>The prediction for one audio file (WAV, MP3, or what ffmpeg reads), resampled to 16 kHz.</summary>
    public EmotionPrediction Predict(string audioPath) => Predict(new[] { audioPath })[0];

    /// <summary>Predictions for several audio files in one batch, in order.</summary>
    public IReadOnlyList<EmotionPrediction> Predict(IReadOnlyList<string> audioPaths)
    {
        var clips = audioPaths
            .Select(p =>
            {
                var samples = AudioFile.Read(p, WhisperAudio.SampleRate).Samples;
                return samples.Length > 0 ? samples : throw new EmolinguaException(p, "empty audio (no samples)");
            })
            .ToList();
        try
        {
            return PredictClips(clips);
        }
        catch (NonFiniteOutputException e) when (audioPaths.Count == 1)
        {
            throw new EmolinguaException(audioPaths[0], e.Problem, e);
        }
    }

    /// <summary>The prediction for mono samples in [-1, 1] at <paramref name="sampleRate"/> Hz (resampled to 16
    /// kHz).</summary>
    public EmotionPrediction Predict(ReadOnlySpan<float> samples, int sampleRate)
    {
        if (sampleRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(sampleRate), "sample rate must be positive");
        Finite.Require(samples, "samples", "sample"); // NaN in, NaN probabilities out: refuse it at the door
        SampleRange.Require(samples, "samples");
        var clip =
            sampleRate == WhisperAudio.SampleRate
                ? samples.ToArray()
                : Resampler.Resample(samples, sampleRate, WhisperAudio.SampleRate);
        return PredictClips(new[] { clip })[0];
    }

    /// <summary>Predictions for 16 kHz mono clips, in order.</summary>
    public IReadOnlyList<EmotionPrediction> PredictClips(IReadOnlyList<float[]> clips)
    {
        foreach (var c in clips)
        {
            if (c.Length == 0)
                throw new EmolinguaException("predict: empty audio (no samples)");
        }

        ClipScores scores;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            scores = ClipScorer.Score(_engine, clips);
        }
        var windowsByClip = scores.Windows!.Select((w, i) => (w, i)).ToLookup(x => x.w.Clip);
        return clips
            .Select(
                (clip, c) =>
                    Prediction(scores.Probabilities[c]) with
                    {
                        DurationSeconds = clip.Length / (double)WhisperAudio.SampleRate,
                        Segments = windowsByClip[c]
                            .Select(x =>
                            {
                                var p = Prediction(scores.WindowProbabilities[x.i]);
                                return new WindowPrediction(
                                    x.w.Start / (double)WhisperAudio.SampleRate,
                                    (x.w.Start + x.w.Length) / (double)WhisperAudio.SampleRate,
                                    p.Label,
                                    p.Probabilities
                                );
                            })
                            .ToList(),
                    }
            )
            .ToList();
    }

    /// <summary>
    /// A live stream: push audio as it arrives, get an event per window as soon as it is complete, and at the end the
    /// result <see cref="Predict(ReadOnlySpan{float}, int)"/> gives for the same audio (see
    /// <see cref="EmotionStream"/>).
    /// </summary>
    public EmotionStream OpenStream(StreamOptions? options = null) =>
        new(Labels, Seconds, options ?? new StreamOptions(), ClassifyWindows);

    /// <summary>Calibrated probabilities [N][classes] of full-length 16 kHz windows, serialised with every other
    /// call.</summary>
    public float[][] ClassifyWindows(IReadOnlyList<float[]> windows)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _engine.Classify(windows).Probabilities;
        }
    }

    private EmotionPrediction Prediction(float[] p) =>
        new(
            Labels[Scoring.ClassProbabilities.ArgMax(p)],
            Labels.Select((l, i) => (l, p[i])).ToDictionary(x => x.l, x => x.Item2)
        );

    /// <summary>Frees the engine (and its native memory); later calls throw
    /// <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _engine.Dispose();
        }
    }
}
