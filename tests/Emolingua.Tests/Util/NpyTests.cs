using Emolingua.Util;

namespace Emolingua.Tests.Util;

public class NpyTests
{
    [Fact]
    public void ReadsNumpyWrittenFixture()
    {
        var a = Npy.Read(Fixtures.Expected("logmel_burst_4s_4s.npy"));
        Assert.Equal(new long[] { 80, 400 }, a.Shape);
        // Whisper log-mel range after (x+4)/4 with an 8-decade clamp spans at most 2.0.
        Assert.InRange(a.Data.Max() - a.Data.Min(), 0.5f, 2.0f + 1e-6f);
        // The fixture is stored Fortran-ordered; these values were read with numpy.load (a[0, :3], a[1, 0]).
        Assert.Equal(0.6337583f, a.Data[0], 6);
        Assert.Equal(0.12175371f, a.Data[1], 6);
        Assert.Equal(-0.7728692f, a.Data[2], 6);
        Assert.Equal(0.63708514f, a.Data[400], 6);
    }

    [Fact]
    public void WriteThenReadKeepsShapeAndValues()
    {
        using var dir = new TempDir();
        var data = Enumerable.Range(0, 12).Select(i => i * 0.5f - 1f).ToArray();
        Npy.WriteFloat32(dir.File("a.npy"), data, 3, 4);
        var back = Npy.Read(dir.File("a.npy"));
        Assert.Equal(new long[] { 3, 4 }, back.Shape);
        Assert.Equal(data, back.Data);
        // Header is padded so that the data starts at a multiple of 64 bytes (NumPy's alignment rule).
        Assert.Equal(0, (new FileInfo(dir.File("a.npy")).Length - 48) % 64);
    }

    [Fact]
    public void RejectsNonNpyFileNamingIt()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x.npy"), "hello");
        var e = Assert.Throws<EmolinguaException>(() => Npy.Read(dir.File("x.npy")));
        Assert.Contains("x.npy", e.Message);
    }
}
