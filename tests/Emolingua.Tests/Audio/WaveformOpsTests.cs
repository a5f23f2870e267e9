using Emolingua.Audio;

namespace Emolingua.Tests.Audio;

public class WaveformOpsTests
{
    [Fact]
    public void CropOrPadCropsLongAndZeroPadsShortClips()
    {
        float[] x = [1, 2, 3, 4, 5];
        Assert.Equal(new float[] { 1, 2, 3 }, WaveformOps.CropOrPad(x, 3));
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 0, 0 }, WaveformOps.CropOrPad(x, 7));
        Assert.Empty(WaveformOps.CropOrPad(x, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WaveformOps.CropOrPad(x, -1));
    }

    [Fact]
    public void WaveformCropOrPadBySeconds()
    {
        var w = new Waveform([1, 2, 3, 4, 5], 4);
        Assert.Equal(1.25, w.DurationSeconds);
        Assert.Equal(new float[] { 1, 2 }, w.CropOrPadSeconds(0.5));
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 0, 0, 0 }, w.CropOrPadSeconds(2));
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 0 }, w.CropOrPad(6));
    }

    [Fact]
    public void MixToMonoAveragesInterleavedChannels()
    {
        Assert.Equal(new float[] { 2, 5 }, WaveformOps.MixToMono([1, 2, 3, 4, 5, 6], 3));
        Assert.Equal(new float[] { 0.5f, -1 }, WaveformOps.MixToMono([1, 0, -1, -1], 2));
    }

    [Fact]
    public void PeakIsTheLargestMagnitude()
    {
        Assert.Equal(0.75f, WaveformOps.Peak([0.1f, -0.75f, 0.5f]));
        Assert.Equal(0f, WaveformOps.Peak([]));
    }
}
