namespace Emolingua.Tests;

/// <summary>
/// The Whisper parity fixtures in tests/fixtures/whisper (copied beside the test assembly by the project file), so a
/// clone anywhere has them. tests/fixtures/whisper/README.md says where they come from and how to regenerate them.
/// </summary>
public static class Fixtures
{
    public static string Root { get; } = Find();

    public static string Whisper => Path.Combine(Root, "whisper");
    public static string TinyModel => Path.Combine(Whisper, "whisper-tiny-random");

    public static string Expected(string name) => Path.Combine(Whisper, "whisper-tiny-random-expected", name);

    public static string Input(string name) => Path.Combine(Whisper, "inputs", name);

    private static string Find()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "fixtures");
        if (!Directory.Exists(Path.Combine(root, "whisper")))
        {
            throw new DirectoryNotFoundException(
                $"{root}: the test fixtures were not copied beside the test assembly (rebuild the test project)"
            );
        }

        return root;
    }
}

/// <summary>A temporary folder deleted at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } =
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "emolingua-test-" + Guid.NewGuid().ToString("N")[..12]);

    public TempDir() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
    }
}
