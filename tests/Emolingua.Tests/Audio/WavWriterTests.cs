using Emolingua.Audio;
using static Emolingua.Tests.Audio.AudioTestTools;

namespace Emolingua.Tests.Audio;

public class WavWriterTests
{
    private static readonly float[] Input = [0f, 0.5f, -1f, 1f, 0.25f, -0.000015f, 2f, float.NaN];

    [Fact]
    public void Pcm16IsReadBackBySoxAsRoundedClippedValues()
    {
        using var dir = new TempDir();
        var path = dir.File("out/p16.wav"); // the folder is created
        WavWriter.WritePcm16(path, Input, 22050);
        // 1 clips to 32767; -0.000015·32768 = -0.49 rounds to 0; 2 clips; NaN is written as silence
        float[] expected = [0f, 0.5f, -1f, 32767f / 32768, 0.25f, 0f, 32767f / 32768, 0f];
        Assert.Equal(expected, Floats(Run("sox", path, "-t", "f32", "-")));
        Assert.Equal("22050", System.Text.Encoding.ASCII.GetString(Run("soxi", "-r", path)).Trim());
        Assert.Equal("16", System.Text.Encoding.ASCII.GetString(Run("soxi", "-b", path)).Trim());
        Assert.Equal(expected, AudioFile.Read(path).Samples);
        Assert.Single(Directory.GetFiles(dir.File("out"))); // no temp file left behind
    }

    [Fact]
    public void Pcm24IsReadBackBySox()
    {
        using var dir = new TempDir();
        var path = dir.File("p24.wav");
        WavWriter.WritePcm24(path, Input, 48000);
        // -0.000015·2^23 = -125.83
        float[] expected = [0f, 0.5f, -1f, 8388607f / 8388608, 0.25f, -126f / 8388608, 8388607f / 8388608, 0f];
        Assert.Equal(expected, Floats(Run("sox", path, "-t", "f32", "-")));
        Assert.Equal("24", System.Text.Encoding.ASCII.GetString(Run("soxi", "-b", path)).Trim());
    }

    [Fact]
    public void Float32KeepsValuesExactly()
    {
        using var dir = new TempDir();
        var path = dir.File("f32.wav");
        float[] values = [0.1f, -0.7f, 0.999f, 1e-9f];
        WavWriter.WriteFloat32(path, values, 16000);
        // sox converts through 32-bit integers internally, so allow its rounding (0.1 comes back 2e-8 off).
        var bySox = Floats(Run("sox", path, "-t", "f32", "-"));
        Assert.Equal(values.Length, bySox.Length);
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(values[i], bySox[i], 1e-7f);
        Assert.Equal("32", System.Text.Encoding.ASCII.GetString(Run("soxi", "-b", path)).Trim());
        Assert.Equal("Floating Point PCM", System.Text.Encoding.ASCII.GetString(Run("soxi", "-e", path)).Trim());
        Assert.Equal(new AudioInfo("wav", 16000, 1, 4, 4 / 16000.0), AudioFile.Probe(path));
    }

    [Fact]
    public void OddLengthPcm16GetsItsPadByte()
    {
        using var dir = new TempDir();
        var path = dir.File("odd.wav");
        WavWriter.WritePcm16(path, [0.5f], 8000);
        Assert.Equal(44 + 2, new FileInfo(path).Length); // 2 data bytes: even, no pad; header is the canonical 44
        WavWriter.WritePcm24(path, [0.5f], 8000);
        Assert.Equal(44 + 3 + 1, new FileInfo(path).Length); // 3 data bytes + 1 pad byte
        Assert.Equal(new[] { 0.5f }, Floats(Run("sox", path, "-t", "f32", "-")));
    }
}
