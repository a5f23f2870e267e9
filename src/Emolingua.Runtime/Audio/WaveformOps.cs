namespace Emolingua.Audio;

/// <summary>Small operations on sample arrays: cropping or padding, seconds to samples, mixing to mono, peak.</summary>
public static class WaveformOps
{
    /// <summary>The first <paramref name="sampleCount"/> samples, zero-padded at the end when the input is
    /// shorter.</summary>
    public static float[] CropOrPad(ReadOnlySpan<float> samples, int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        var result = new float[sampleCount];
        samples[..Math.Min(samples.Length, sampleCount)].CopyTo(result);
        return result;
    }

    /// <summary>A duration as a whole number of samples at <paramref name="sampleRate"/> (rounded); a negative or
    /// non-finite duration throws.</summary>
    public static int SecondsToSamples(double seconds, int sampleRate)
    {
        if (!(seconds >= 0) || double.IsInfinity(seconds))
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "must be a finite number >= 0");
        return checked((int)Math.Round(seconds * sampleRate));
    }

    /// <summary>Averages interleaved frames of <paramref name="channels"/> samples into one mono sample each.</summary>
    public static float[] MixToMono(ReadOnlySpan<float> interleaved, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        var frames = interleaved.Length / channels;
        var mono = new float[frames];
        if (channels == 1)
        {
            interleaved[..frames].CopyTo(mono);
            return mono;
        }
        var scale = 1f / channels;
        for (int f = 0, i = 0; f < frames; f++)
        {
            float sum = 0;
            for (var c = 0; c < channels; c++)
                sum += interleaved[i++];
            mono[f] = sum * scale;
        }
        return mono;
    }

    /// <summary>Peak absolute sample value (0 for an empty span).</summary>
    public static float Peak(ReadOnlySpan<float> samples)
    {
        float peak = 0;
        foreach (var s in samples)
            peak = Math.Max(peak, Math.Abs(s));
        return peak;
    }
}
