using System.Text.Json.Nodes;

namespace Emolingua.Tests.Cli;

/// <summary>
/// The zoo of bad input, through the built CLI as a child process, split by area (BadInputZoo*Tests): each kind is a
/// theory row named for what is wrong and gets the documented refusal (<see cref="CliHarness.AssertRefused"/>: exit
/// code 1 and exactly one stderr line "error: FILE-or-OPTION: problem", nothing on stdout) and leaves no output file
/// or run folder behind. The README's "Bad input" section lists the kinds.
/// </summary>
public abstract class BadInputZoo : IDisposable
{
    protected TempDir Dir { get; } = new();

    public void Dispose() => Dir.Dispose();

    /// <summary>An output path in a folder that does not exist yet: after a refusal neither may exist.</summary>
    protected string FreshOutput(string name) =>
        Path.Combine(Dir.Path, "out-" + Guid.NewGuid().ToString("N")[..8], name);

    protected static void AssertNothingWritten(string output)
    {
        Assert.False(File.Exists(output), $"{output} was written");
        Assert.False(Directory.Exists(output), $"{output} was created");
        var folder = Path.GetDirectoryName(output)!;
        if (Directory.Exists(folder))
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder)); // no temp files either
    }

    protected string Write(string name, byte[] bytes)
    {
        var path = Dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    protected static void EditJson(string path, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }

    /// <summary>A 1 s, 16 kHz WAV that every command reads.</summary>
    protected string GoodWav(string name)
    {
        var path = Dir.File(name);
        TestWav.WritePcm16Mono(path, TestWav.Voiced(1, 16000), 16000);
        return path;
    }
}
