using System.Net.WebSockets;
using System.Text.Json;
using Emolingua.Tests.Audio;
using Emolingua.Tests.Inference;

namespace Emolingua.Tests.Server;

/// <summary>The stream bundle (1-second windows) served by the real CLI with small stream limits, so each is cheap to
/// reach.</summary>
public sealed class StreamServeFixture : IDisposable
{
    public const int MaxStreams = 2;
    public const double MaxStreamSeconds = 20,
        IdleSeconds = 1.5,
        RealtimeFactor = 2;
    public StreamBundleFixture Bundle { get; } = new();
    public ServerProcess Server { get; }

    /// <summary>A client of the server for plain HTTP: /api/predict and /api/health.</summary>
    public HttpClient Http { get; }

    public StreamServeFixture()
    {
        Server = ServerProcess.Start(
            "--model",
            Path.GetDirectoryName(Bundle.Folder)!,
            "--max-streams",
            $"{MaxStreams}",
            "--max-stream-seconds",
            $"{MaxStreamSeconds}",
            "--stream-idle-seconds",
            $"{IdleSeconds}",
            "--max-realtime-factor",
            $"{RealtimeFactor}"
        );
        Http = Server.Client();
    }

    public void Dispose()
    {
        Http.Dispose();
        Server.Dispose();
        Bundle.Dispose();
    }

    public static short[] Clip(double seconds, int rate, int seed) =>
        TestWav.Voiced(seconds, rate, seed).Select(x => (short)MathF.Round(x * 32767)).ToArray();

    public async Task AssertHealthyAsync()
    {
        var health = JsonDocument.Parse(await Http.GetStringAsync("api/health")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    /// <summary>A whole stream: start, the audio in random frames, stop; returns the client after the server
    /// closed.</summary>
    public async Task<StreamClient> StreamAsync(
        byte[] audio,
        int rate,
        string encoding,
        int bytesPerSample,
        int seed,
        string extra = ""
    )
    {
        var client = await StreamClient.ConnectAsync(Server.BaseUri);
        await client.StartAsync(rate, encoding, extra);
        var rng = new Random(seed);
        int samples = audio.Length / bytesPerSample,
            at = 0;
        foreach (var size in StreamingResamplerTests.RandomChunks(rng, samples, rate))
        {
            await client.SendBinaryAsync(audio.AsMemory(at * bytesPerSample, size * bytesPerSample));
            at += size;
        }
        await client.StopAsync();
        var (status, _) = await client.ClosedAsync(60);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        return client;
    }
}
