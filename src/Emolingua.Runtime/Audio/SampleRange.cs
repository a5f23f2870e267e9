using Emolingua.Util;

namespace Emolingua.Audio;

/// <summary>
/// The loudest sample Emolingua reads. Full scale is ±1; a float WAV may hold anything up to float32's 3.4e38, and
/// such a file is finite yet unreadable: the Whisper log-mel takes |STFT|² of 400-sample periodic-Hann frames
/// (window sum 200), so a frame of amplitude A reaches (200·A)², which overflows float32 (3.4e38) once A passes
/// about 9.2e16, and the model then turns +infinity into NaN probabilities. Refusing |x| above
/// <see cref="MaxAmplitude"/> (10^16, 320 dB above full scale: no recording, only a broken or hostile file) keeps
/// every later number finite, with a margin for resampling and the stereo downmix.
/// </summary>
internal static class SampleRange
{
    public const float MaxAmplitude = 1e16f;

    /// <summary>Index of the first sample with |x| above <see cref="MaxAmplitude"/> (or not finite), or -1.</summary>
    public static int FirstOutOfRange(ReadOnlySpan<float> samples)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            if (!(Math.Abs(samples[i]) <= MaxAmplitude))
                return i;
        }

        return -1;
    }

    /// <summary>Throws <see cref="EmolinguaException"/> naming <paramref name="source"/> when a sample is beyond
    /// ±<see cref="MaxAmplitude"/>.</summary>
    public static void Require(ReadOnlySpan<float> samples, string source)
    {
        var at = FirstOutOfRange(samples);
        if (at < 0)
            return;
        var v = samples[at];
        throw new EmolinguaException(
            source,
            float.IsFinite(v)
                ? $"sample {at} is {v:0.###e+0}, beyond ±1e16 (full scale is ±1): its log-mel value would overflow float32"
                : $"sample {at} is {Finite.Name(v)}; the audio holds NaN or infinite values"
        );
    }
}
