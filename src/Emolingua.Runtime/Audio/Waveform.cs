namespace Emolingua.Audio;

/// <summary>What a probe learns about an audio file without decoding it all.</summary>
/// <param name="Format">"wav", "mp3", or the ffmpeg format name for anything else.</param>
/// <param name="FrameCount">Samples per channel that <see cref="AudioFile.Read(string)"/> would return.</param>
/// <param name="SampleRate">Samples per second of each channel.</param>
/// <param name="Channels">Channels in the file (a read mixes them to mono).</param>
/// <param name="DurationSeconds">FrameCount / SampleRate.</param>
public sealed record AudioInfo(string Format, int SampleRate, int Channels, long FrameCount, double DurationSeconds);

/// <summary>Mono audio: samples in [-1, 1] at <paramref name="SampleRate"/> Hz.</summary>
public sealed record Waveform(float[] Samples, int SampleRate)
{
    /// <summary>The length in seconds (0 at a sample rate of 0).</summary>
    public double DurationSeconds => SampleRate > 0 ? Samples.Length / (double)SampleRate : 0;

    /// <summary>The first <paramref name="sampleCount"/> samples, zero-padded at the end when the clip is
    /// shorter.</summary>
    public float[] CropOrPad(int sampleCount) => WaveformOps.CropOrPad(Samples, sampleCount);

    /// <summary>The first <paramref name="seconds"/> seconds (rounded to whole samples), zero-padded at the
    /// end.</summary>
    public float[] CropOrPadSeconds(double seconds) =>
        WaveformOps.CropOrPad(Samples, WaveformOps.SecondsToSamples(seconds, SampleRate));
}
