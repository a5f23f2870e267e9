using System.Text;

namespace Emolingua.Tests.Corpora;

/// <summary>Builds corpus folders for tests: tiny silent PCM16 WAVs of a chosen duration, text files.</summary>
internal sealed class CorpusTree : IDisposable
{
    private readonly TempDir _dir = new();
    public string Root => _dir.Path;

    public string P(string rel) => Path.Combine(Root, rel.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>A valid mono 16-bit WAV of <paramref name="seconds"/> at 8 kHz (header sizes exact).</summary>
    public string Wav(string rel, double seconds = 1.0, int rate = 8000)
    {
        var path = P(rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var frames = (int)Math.Round(seconds * rate);
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8);
        w.Write(36 + 2 * frames);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(rate);
        w.Write(rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(2 * frames);
        w.Write(new byte[2 * frames]);
        return path;
    }

    public string Text(string rel, string content)
    {
        var path = P(rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    public void Dispose() => _dir.Dispose();
}
