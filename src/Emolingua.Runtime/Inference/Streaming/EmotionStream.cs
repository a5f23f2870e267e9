using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>
/// Emotion recognition while the audio is still arriving (<see cref="EmotionRecognizer.OpenStream"/>): push samples in
/// pieces of any size, at any sample rate, and get an event for every window as soon as its last sample is in; then
/// <see cref="Complete"/> scores the end as predict scores the end of a clip and gives the whole-stream result. For
/// any chunking the windows, their probabilities and the result are those of predict on the whole recording.
/// <code>
/// using var recognizer = EmotionRecognizer.Load("model.onnx");
/// var stream = recognizer.OpenStream(new StreamOptions { SampleRate = 48000 });
/// foreach (var e in stream.Push(samples)) if (e is WindowEvent w) Console.WriteLine($"{w.StartSeconds}: {w.Label}");
/// var result = stream.Complete().Prediction;
/// </code>
/// Not thread-safe (one producer); many streams may share one recognizer.
/// </summary>
public sealed class EmotionStream
{
    private readonly StreamWindower _windower;
    private readonly StreamScorer _scorer;
    private readonly Func<IReadOnlyList<float[]>, float[][]> _classify;
    private float[] _converted = [];

    /// <summary>A stream over any classifier of windows (<see cref="EmotionRecognizer.OpenStream"/> gives one over a
    /// model).</summary>
    /// <param name="labels">The model's class labels, in its probability order.</param>
    /// <param name="windowSeconds">The model's window length S in seconds.</param>
    /// <param name="options">Sample rate, hop, smoothing and speech gating.</param>
    /// <param name="classify">Calibrated probabilities of full-length 16 kHz windows, [N][classes].</param>
    public EmotionStream(
        IReadOnlyList<string> labels,
        double windowSeconds,
        StreamOptions options,
        Func<IReadOnlyList<float[]>, float[][]> classify
    )
    {
        _windower = new StreamWindower(windowSeconds, options);
        _scorer = new StreamScorer(labels, options.Smooth);
        _classify = classify;
        Options = options;
    }

    /// <summary>The options the stream was opened with.</summary>
    public StreamOptions Options { get; }

    /// <summary>Seconds of audio pushed so far.</summary>
    public double Seconds => _windower.InputSamples / (double)Options.SampleRate;

    /// <summary>Appends float samples (mono, at <see cref="StreamOptions.SampleRate"/>); returns the events of the
    /// windows they complete.</summary>
    public IReadOnlyList<StreamEvent> Push(ReadOnlySpan<float> samples)
    {
        Finite.Require(samples, "stream", "sample"); // NaN in, NaN probabilities out: refuse it at the door
        return Score(_windower.Push(samples));
    }

    /// <summary>Appends 16-bit PCM samples, read as the WAV reader reads them (x / 32768).</summary>
    public IReadOnlyList<StreamEvent> Push(ReadOnlySpan<short> pcm)
    {
        if (_converted.Length < pcm.Length)
            _converted = new float[pcm.Length];
        var samples = _converted.AsSpan(0, pcm.Length);
        Pcm.ToFloat(pcm, samples);
        return Score(_windower.Push(samples));
    }

    /// <summary>Ends the stream: the events of the last windows and the whole-stream result.</summary>
    public StreamResult Complete()
    {
        var events = Score(_windower.Complete());
        if (_windower.Length == 0)
            throw new EmolinguaException("stream: empty audio (no samples)");
        return new StreamResult(events, _scorer.Result(_windower.Length));
    }

    private List<StreamEvent> Score(IReadOnlyList<StreamWindow> windows)
    {
        if (windows.Count == 0)
            return [];
        var speech = windows.Where(w => !w.Silent).ToList();
        var probabilities = speech.Count > 0 ? _classify(speech.Select(w => w.Samples!).ToList()) : [];
        var next = 0;
        return windows.Select(w => _scorer.Score(w, w.Silent ? null : probabilities[next++])).ToList();
    }
}

/// <summary>16-bit PCM as the WAV reader scales it.</summary>
public static class Pcm
{
    /// <summary>Converts 16-bit samples to floats in [-1, 1) (divided by 32768).</summary>
    /// <param name="pcm">The 16-bit samples.</param>
    /// <param name="samples">Where the floats go; at least as long as <paramref name="pcm"/>.</param>
    public static void ToFloat(ReadOnlySpan<short> pcm, Span<float> samples)
    {
        for (var i = 0; i < pcm.Length; i++)
            samples[i] = pcm[i] / 32768f;
    }
}
