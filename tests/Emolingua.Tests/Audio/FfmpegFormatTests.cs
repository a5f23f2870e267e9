using Emolingua.Audio;
using static Emolingua.Tests.Audio.AudioTestTools;

namespace Emolingua.Tests.Audio;

/// <summary>Formats other than WAV and MP3 go through ffmpeg at their native rate, channels averaged by us.</summary>
public class FfmpegFormatTests
{
    [Fact]
    public void StereoFlacIsLosslessAndOggVorbisKeepsItsRate()
    {
        using var dir = new TempDir();
        // 16-bit stereo at 32 kHz: L = 8(n - 2000), R = -4(n - 2000), so the channel mean is exactly 2(n - 2000)/32768.
        var frames = 4000;
        var pcm = new short[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = (short)(8 * (i - 2000));
            pcm[2 * i + 1] = (short)(-4 * (i - 2000));
        }
        var raw = dir.File("x.s16");
        File.WriteAllBytes(raw, Int16Bytes(pcm));
        // A 500 Hz sine at 24 kHz for the lossy format.
        var sine = new float[24000];
        for (var i = 0; i < sine.Length; i++)
            sine[i] = (float)(0.5 * Math.Sin(2 * Math.PI * 500 * i / 24000));
        var sineRaw = dir.File("sine.f32");
        File.WriteAllBytes(sineRaw, FloatBytes(sine));
        string flac = dir.File("x.flac"),
            ogg = dir.File("s.ogg");
        Run(
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "s16le",
            "-ar",
            "32000",
            "-ac",
            "2",
            "-i",
            raw,
            "-f",
            "f32le",
            "-ar",
            "24000",
            "-ac",
            "1",
            "-i",
            sineRaw,
            "-map",
            "0:a",
            flac,
            "-map",
            "1:a",
            "-c:a",
            "libvorbis",
            ogg
        );

        var w = AudioFile.Read(flac);
        Assert.Equal(32000, w.SampleRate);
        Assert.Equal(frames, w.Samples.Length);
        for (var i = 0; i < frames; i++)
            Assert.Equal(2 * (i - 2000) / 32768f, w.Samples[i], 1e-7f);
        var info = AudioFile.Probe(flac);
        Assert.Equal(("flac", 32000, 2, (long)frames), (info.Format, info.SampleRate, info.Channels, info.FrameCount));
        Assert.Equal(0.125, info.DurationSeconds, 6);

        var v = AudioFile.Read(ogg);
        Assert.Equal(24000, v.SampleRate);
        Assert.Equal(24000, v.Samples.Length); // Vorbis in Ogg carries its exact length
        for (var i = 2400; i < 21600; i++)
            Assert.Equal(sine[i], v.Samples[i], 0.02);
        Assert.Equal("ogg", AudioFile.Probe(ogg).Format);
    }
}
