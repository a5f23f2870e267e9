using Emolingua.Audio;

namespace Emolingua.Features;

/// <summary>
/// How a whole clip is read by a model with an S-second input: S-second windows with 50 % overlap, the last one
/// ending at the clip's end; a clip of at most S seconds is one window, zero-padded at the end. Evaluation,
/// validation and prediction all read clips this way and average the windows' outputs per clip
/// (<see cref="Inference.ClipScorer"/>).
/// </summary>
public static class AudioWindows
{
    /// <summary>One window of one clip: <see cref="Samples"/> always holds exactly the window length.</summary>
    public sealed record Window(int Clip, int Start, int Length, float[] Samples);

    /// <summary>Window start offsets covering the clip: hop = window / 2; a short clip has one window at 0.</summary>
    public static List<int> Starts(int length, int windowSamples)
    {
        var starts = new List<int> { 0 };
        if (length <= windowSamples)
            return starts;
        var hop = windowSamples / 2;
        for (var s = hop; s + windowSamples < length; s += hop)
            starts.Add(s);
        starts.Add(length - windowSamples); // the last window ends at the clip's end
        return starts.Distinct().ToList();
    }

    /// <summary>Every window of every clip, in clip order. <see cref="Window.Length"/> is the audio it covers (before
    /// padding).</summary>
    public static List<Window> Plan(IReadOnlyList<float[]> clips, int windowSamples)
    {
        var windows = new List<Window>();
        for (var c = 0; c < clips.Count; c++)
        {
            foreach (var start in Starts(clips[c].Length, windowSamples))
            {
                windows.Add(
                    new Window(
                        c,
                        start,
                        Math.Min(windowSamples, clips[c].Length - start),
                        WaveformOps.CropOrPad(clips[c].AsSpan(start), windowSamples)
                    )
                );
            }
        }

        return windows;
    }

    /// <summary>
    /// Windows <paramref name="start"/> .. start + count - 1, each of exactly <paramref name="length"/> samples, laid
    /// end to end: the row-major [count, length] batch a model reads.
    /// </summary>
    internal static float[] Stack(IReadOnlyList<float[]> windows, int start, int count, int length) =>
        StackInto(windows, start, count, length, new float[count * length]);

    /// <summary>As <see cref="Stack"/>, into the first count·length values of <paramref name="flat"/> (a reused
    /// buffer).</summary>
    internal static float[] StackInto(IReadOnlyList<float[]> windows, int start, int count, int length, float[] flat)
    {
        for (var i = 0; i < count; i++) // flat: [count, length]
        {
            var window = windows[start + i];
            if (window.Length != length)
            {
                throw new ArgumentException(
                    $"window {start + i} has {window.Length} samples; the batch holds windows of {length}"
                );
            }

            window.CopyTo(flat, i * length);
        }
        return flat;
    }
}
