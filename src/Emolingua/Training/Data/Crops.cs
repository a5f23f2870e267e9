using Emolingua.Audio;

namespace Emolingua.Training.Data;

/// <summary>Training reads a uniformly random S-second crop of each utterance (clips shorter than S are zero-padded at
/// the end).</summary>
public static class Crops
{
    public static float[] Random(float[] samples, int windowSamples, Random rng)
    {
        if (samples.Length <= windowSamples)
            return WaveformOps.CropOrPad(samples, windowSamples);
        var start = rng.Next(samples.Length - windowSamples + 1);
        return samples.AsSpan(start, windowSamples).ToArray();
    }
}
