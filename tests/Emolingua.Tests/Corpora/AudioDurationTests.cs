using Emolingua.Corpora;

namespace Emolingua.Tests.Corpora;

public class AudioDurationTests
{
    [Fact]
    public void WavHeaderDuration_MatchesAudioProbe_AndBrokenFilesAreCounted()
    {
        using var t = new CorpusTree();
        var a = t.Wav("a.wav", 2.5, 16000);
        var stereo = t.P("s.wav");
        // Stereo 48 kHz with an extra LIST chunk before data: 1.5 s = 72000 frames x 4 bytes.
        using (var w = new BinaryWriter(File.Create(stereo)))
        {
            w.Write("RIFF"u8);
            w.Write(4 + 8 + 16 + 8 + 4 + 8 + 288000);
            w.Write("WAVE"u8);
            w.Write("fmt "u8);
            w.Write(16);
            w.Write((short)1);
            w.Write((short)2);
            w.Write(48000);
            w.Write(192000);
            w.Write((short)4);
            w.Write((short)16);
            w.Write("LIST"u8);
            w.Write(4);
            w.Write("INFO"u8);
            w.Write("data"u8);
            w.Write(288000);
            w.Write(new byte[288000]);
        }
        var broken = t.Text("b.wav", "not audio at all");
        var skips = new SkipCounter();
        Assert.Equal(2.5, AudioDuration.TryRead(a, skips));
        Assert.Equal(1.5, AudioDuration.TryRead(stereo, skips));
        Assert.Equal(Emolingua.Audio.AudioFile.Probe(stereo).DurationSeconds, AudioDuration.TryRead(stereo, skips));
        Assert.Null(AudioDuration.TryRead(broken, skips));
        Assert.Equal(1, skips[SkipReasons.UnreadableAudio]);
    }
}
