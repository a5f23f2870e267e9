using Emolingua.Features;

namespace Emolingua.Training.Data;

/// <summary>
/// Fixed-length windows of 16 kHz waveforms. Training takes a random S-second crop (uniform start; clips shorter
/// than S are zero-padded at the end); evaluation and prediction read every clip deterministically as S-second
/// windows with 50 % overlap, the last one ending at the clip's end, and average the windows' probabilities.
/// </summary>
public static class Crops
{
    public static float[] Random(float[] samples, int windowSamples, Random rng)
    {
        if (samples.Length <= windowSamples) return WhisperLogMel.CropOrPad(samples, windowSamples);
        int start = rng.Next(samples.Length - windowSamples + 1);
        return samples.AsSpan(start, windowSamples).ToArray();
    }

    /// <summary>Window start offsets covering the clip: hop = window / 2; a short clip has one window at 0.</summary>
    public static List<int> WindowStarts(int length, int windowSamples)
    {
        var starts = new List<int> { 0 };
        if (length <= windowSamples) return starts;
        int hop = windowSamples / 2;
        for (int s = hop; s + windowSamples < length; s += hop) starts.Add(s);
        starts.Add(length - windowSamples); // the last window ends at the clip's end
        return starts.Distinct().ToList();
    }

    public static List<float[]> Windows(float[] samples, int windowSamples) =>
        WindowStarts(samples.Length, windowSamples).Select(s => WhisperLogMel.CropOrPad(samples.AsSpan(s), windowSamples)).ToList();
}
