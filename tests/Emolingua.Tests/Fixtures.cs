namespace Emolingua.Tests;

/// <summary>Locates ../shared/fixtures (beside the repository, as laid out for developers and CI).</summary>
public static class Fixtures
{
    public static string Root { get; } = Find();

    public static string Whisper => Path.Combine(Root, "whisper");
    public static string TinyModel => Path.Combine(Whisper, "whisper-tiny-random");
    public static string Expected(string name) => Path.Combine(Whisper, "whisper-tiny-random-expected", name);
    public static string Input(string name) => Path.Combine(Whisper, "inputs", name);

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("EMOLINGUA_FIXTURES");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("shared/fixtures not found above " + AppContext.BaseDirectory + " (set EMOLINGUA_FIXTURES)");
    }
}

/// <summary>A temporary folder deleted at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "emolingua-test-" + Guid.NewGuid().ToString("N")[..12]);
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
