using Emolingua.Features;

namespace Emolingua.Inference;

/// <summary>
/// Turns a stream's windows and their probabilities, taken in window order, into events (with the smoothed running
/// label) and, at the end, into the whole-stream prediction: the mean of the windows' probabilities in double
/// precision, as <see cref="ClipScores.MeanByClip"/> averages a file's windows. Not thread-safe.
/// </summary>
public sealed class StreamScorer
{
    /// <summary>The label of a stream in which speech gating found no speech at all.</summary>
    public const string Silence = "silence";

    private readonly IReadOnlyList<string> _labels;
    private readonly int _smooth;
    private readonly Queue<float[]> _recent = new();
    private readonly List<WindowPrediction> _segments = [];
    private readonly double[] _sums;
    private int _scored,
        _next;

    /// <summary>A scorer for a model with these class labels.</summary>
    /// <param name="labels">The model's class labels, in its probability order.</param>
    /// <param name="smooth">How many of the last scored windows the smoothed label averages (at least 1).</param>
    public StreamScorer(IReadOnlyList<string> labels, int smooth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(smooth, 1);
        _labels = labels;
        _smooth = smooth;
        _sums = new double[labels.Count];
    }

    /// <summary>The event of <paramref name="window"/>; <paramref name="probabilities"/> is null for a silent
    /// window.</summary>
    public StreamEvent Score(StreamWindow window, float[]? probabilities)
    {
        if (window.Index != _next)
            throw new InvalidOperationException($"window {window.Index} scored out of order (expected {_next})");
        _next++;
        if (window.Silent || probabilities == null)
            return new SilenceEvent(window.Index, window.StartSeconds, window.EndSeconds);
        if (probabilities.Length != _labels.Count)
            throw new ArgumentException($"{probabilities.Length} probabilities for {_labels.Count} labels");
        _scored++;
        for (var k = 0; k < _sums.Length; k++)
            _sums[k] += probabilities[k];
        _recent.Enqueue(probabilities);
        if (_recent.Count > _smooth)
            _recent.Dequeue();
        var smoothed = new double[_labels.Count];
        foreach (var p in _recent)
        {
            for (var k = 0; k < smoothed.Length; k++)
                smoothed[k] += p[k];
        }

        var (label, map) = Describe(probabilities);
        _segments.Add(new WindowPrediction(window.StartSeconds, window.EndSeconds, label, map));
        return new WindowEvent(
            window.Index,
            window.StartSeconds,
            window.EndSeconds,
            label,
            map,
            _labels[ArgMax(smoothed)]
        );
    }

    /// <summary>The whole stream's prediction: what predict gives for the same audio of <paramref name="samples16k"/>
    /// samples.</summary>
    public EmotionPrediction Result(long samples16k)
    {
        var duration = samples16k / (double)WhisperAudio.SampleRate;
        if (_scored == 0)
        {
            return new EmotionPrediction(Silence, _labels.ToDictionary(l => l, _ => 0f))
            {
                DurationSeconds = duration,
                Segments = _segments.ToList(),
            };
        }

        var mean = _sums.Select(s => (float)(s / _scored)).ToArray();
        var (label, map) = Describe(mean);
        return new EmotionPrediction(label, map) { DurationSeconds = duration, Segments = _segments.ToList() };
    }

    private (string Label, IReadOnlyDictionary<string, float> Map) Describe(float[] p) =>
        (_labels[Array.IndexOf(p, p.Max())], _labels.Select((l, i) => (l, p[i])).ToDictionary(x => x.l, x => x.Item2));

    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }

        return best;
    }
}
