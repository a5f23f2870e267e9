using Emolingua.Features;
using Emolingua.Scoring;

namespace Emolingua.Inference;

/// <summary>
/// Clips scored by an engine: every window's calibrated probabilities and, per clip, their mean, the most probable
/// class and its probability. Built by <see cref="ClipScorer"/>.
/// </summary>
public sealed class ClipScores
{
    internal ClipScores(
        int clipCount,
        int[] windowClips,
        IReadOnlyList<AudioWindows.Window>? windows,
        float[][] windowProbabilities,
        float[][]? windowEmbeddings
    )
    {
        if (windowClips.Length != windowProbabilities.Length)
        {
            throw new ArgumentException(
                $"{windowClips.Length} windows but {windowProbabilities.Length} rows of probabilities"
            );
        }

        ClipCount = clipCount;
        WindowClips = windowClips;
        Windows = windows;
        WindowProbabilities = windowProbabilities;
        WindowEmbeddings = windowEmbeddings;
        Probabilities = MeanByClip(windowProbabilities);
        Embeddings = windowEmbeddings == null ? null : MeanByClip(windowEmbeddings);
        Predicted = Probabilities.Select(ClassProbabilities.ArgMax).ToArray();
    }

    /// <summary>The number of clips.</summary>
    public int ClipCount { get; }

    /// <summary>The clip of each window (windows are in clip order).</summary>
    public IReadOnlyList<int> WindowClips { get; }

    /// <summary>The windows with their place in the clip (null when the scores were made from rows,
    /// <see cref="ClipScorer.FromWindows"/>).</summary>
    public IReadOnlyList<AudioWindows.Window>? Windows { get; }

    /// <summary>Calibrated probabilities of each window [windows][classes].</summary>
    public float[][] WindowProbabilities { get; }

    /// <summary>Embeddings of each window [windows][D], when asked for.</summary>
    public float[][]? WindowEmbeddings { get; }

    /// <summary>Per clip, the mean of its windows' probabilities [clips][classes].</summary>
    public float[][] Probabilities { get; }

    /// <summary>Per clip, the mean of its windows' embeddings [clips][D], when asked for.</summary>
    public float[][]? Embeddings { get; }

    /// <summary>Per clip, the index of the most probable class (<see cref="ClassProbabilities.ArgMax"/> of
    /// <see cref="Probabilities"/>).</summary>
    public int[] Predicted { get; }

    /// <summary>The probability of clip <paramref name="clip"/>'s most probable class.</summary>
    public float Confidence(int clip) => Probabilities[clip][Predicted[clip]];

    /// <summary>Rows of the windows (probabilities, embeddings, ...) averaged per clip in double precision:
    /// [windows][k] → [clips][k].</summary>
    public float[][] MeanByClip(IReadOnlyList<float[]> windowRows)
    {
        if (windowRows.Count != WindowClips.Count)
            throw new ArgumentException($"{WindowClips.Count} windows but {windowRows.Count} rows");
        var width = windowRows.Count == 0 ? 0 : windowRows[0].Length;
        var sums = new double[ClipCount][];
        var counts = new int[ClipCount];
        for (var c = 0; c < ClipCount; c++)
            sums[c] = new double[width];
        for (var i = 0; i < windowRows.Count; i++)
        {
            var c = WindowClips[i];
            counts[c]++;
            for (var k = 0; k < width; k++)
                sums[c][k] += windowRows[i][k];
        }
        return sums.Select((s, c) => s.Select(v => (float)(v / Math.Max(1, counts[c]))).ToArray()).ToArray();
    }

    /// <summary>Rows of the windows grouped per clip, in clip order: [windows][k] → [clips][windows of the
    /// clip][k].</summary>
    public IReadOnlyList<IReadOnlyList<float[]>> ByClip(IReadOnlyList<float[]> windowRows)
    {
        if (windowRows.Count != WindowClips.Count)
            throw new ArgumentException($"{WindowClips.Count} windows but {windowRows.Count} rows");
        var groups = Enumerable.Range(0, ClipCount).Select(_ => new List<float[]>()).ToArray();
        for (var i = 0; i < windowRows.Count; i++)
            groups[WindowClips[i]].Add(windowRows[i]);
        return groups;
    }
}

/// <summary>
/// The one place where clips become predictions: each clip cut into S-second windows (<see cref="AudioWindows"/>),
/// the windows run through an engine as one batch, the windows' calibrated probabilities averaged per clip, and the
/// most probable class taken (<see cref="ClassProbabilities"/>). <see cref="EmotionRecognizer"/>, evaluation,
/// validation during training, few-shot adaptation and the reference rows all score clips here.
/// </summary>
public static class ClipScorer
{
    /// <param name="engine">The model that scores the windows; its <see cref="IEmotionEngine.Seconds"/> sets the window
    /// length.</param>
    /// <param name="clips">16 kHz mono clips, each with at least one sample.</param>
    /// <summary>Scores 16 kHz mono clips with <paramref name="engine"/> (not thread-safe, as the engine).</summary>
    /// <param name="embeddings">Also average the windows' embeddings per clip.</param>
    public static ClipScores Score(IEmotionEngine engine, IReadOnlyList<float[]> clips, bool embeddings = false)
    {
        // Where each window lies, without its samples: those are copied a chunk at a time into the same few buffers,
        // so memory holds the clips and one chunk. (A new array per window made every window's samples garbage twice
        // over, windows overlapping by half: a 20 MB upload left 80 MB of it before the GC next ran.)
        var windowSamples = WhisperAudio.SamplesFor(engine.Seconds);
        var windows = clips
            .SelectMany(
                (clip, c) =>
                    AudioWindows
                        .Starts(clip.Length, windowSamples)
                        .Select(start => new AudioWindows.Window(
                            c,
                            start,
                            Math.Min(windowSamples, clip.Length - start),
                            []
                        ))
            )
            .ToList();
        var probabilities = new float[windows.Count][];
        var pooled = embeddings ? new float[windows.Count][] : null;
        var buffers = new float[Math.Min(ChunkWindows, windows.Count)][]; // [chunk][window samples], reused
        for (var i = 0; i < buffers.Length; i++)
            buffers[i] = new float[windowSamples];
        for (var from = 0; from < windows.Count; from += ChunkWindows)
        {
            var count = Math.Min(ChunkWindows, windows.Count - from);
            for (var i = 0; i < count; i++)
            {
                var w = windows[from + i];
                clips[w.Clip].AsSpan(w.Start, w.Length).CopyTo(buffers[i]);
                buffers[i].AsSpan(w.Length).Clear(); // zero padding after a short clip's end
            }
            var (p, e) = engine.Classify(new ArraySegment<float[]>(buffers, 0, count), embeddings);
            p.CopyTo(probabilities, from);
            e?.CopyTo(pooled!, from);
        }
        return new ClipScores(clips.Count, windows.Select(w => w.Clip).ToArray(), windows, probabilities, pooled);
    }

    /// <summary>Windows per call to the engine: a multiple of both engines' batch sizes (32, 16), so batches, and hence
    /// every number, are as in one call.</summary>
    private const int ChunkWindows = 32;

    /// <summary>The windows an engine of <paramref name="seconds"/>-second input reads the clips as.</summary>
    public static List<AudioWindows.Window> Windows(IReadOnlyList<float[]> clips, double seconds) =>
        AudioWindows.Plan(clips, WhisperAudio.SamplesFor(seconds));

    /// <summary>Scores from rows already computed per window (or per clip: one row each),
    /// <paramref name="windowClips"/>[i] naming row i's clip.</summary>
    public static ClipScores FromWindows(
        IReadOnlyList<int> windowClips,
        int clipCount,
        float[][] windowProbabilities
    ) => new(clipCount, windowClips.ToArray(), null, windowProbabilities, null);
}
