using Emolingua.Tests.Cli;

namespace Emolingua.Tests.Server;

/// <summary>The tiny 1-second-window bundle served by the real CLI with small limits, so each limit is cheap to
/// reach.</summary>
public sealed class ServeFixture : IDisposable
{
    public const string MaxUploadMb = "0.3",
        MaxSeconds = "6";
    public TinyBundleFixture Bundle { get; } = new();
    public string RunDir => Path.GetDirectoryName(Bundle.Folder)!;
    public ServerProcess Server { get; }
    public TempDir Files { get; } = new();

    public ServeFixture() =>
        Server = ServerProcess.Start(
            "--model",
            RunDir,
            "--max-upload-mb",
            MaxUploadMb,
            "--max-seconds",
            MaxSeconds,
            "--max-concurrent",
            "1",
            "--queue",
            "1"
        );

    /// <summary>A PCM16 WAV file of <paramref name="samples"/> at 16 kHz; returns its path.</summary>
    public string Wav(string name, float[] samples)
    {
        var path = Files.File(name);
        TestWav.WritePcm16Mono(path, samples, 16000);
        return path;
    }

    public void Dispose()
    {
        Server.Dispose();
        Bundle.Dispose();
        Files.Dispose();
    }
}
