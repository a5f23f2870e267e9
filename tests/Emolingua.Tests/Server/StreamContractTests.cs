using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Emolingua.Tests.Audio;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Inference;

namespace Emolingua.Tests.Server;

/// <summary>The stream bundle (1-second windows) served by the real CLI with small stream limits, so each is cheap to reach.</summary>
public sealed class StreamServeFixture : IDisposable
{
    public const int MaxStreams = 2;
    public const double MaxStreamSeconds = 20, IdleSeconds = 1.5, RealtimeFactor = 2;
    public StreamBundleFixture Bundle { get; } = new();
    public ServerProcess Server { get; }

    public StreamServeFixture() => Server = ServerProcess.Start("--model", Path.GetDirectoryName(Bundle.Folder)!,
        "--max-streams", $"{MaxStreams}", "--max-stream-seconds", $"{MaxStreamSeconds}", "--stream-idle-seconds", $"{IdleSeconds}",
        "--max-realtime-factor", $"{RealtimeFactor}");

    public void Dispose() { Server.Dispose(); Bundle.Dispose(); }
}

/// <summary>
/// The WebSocket contract of GET /api/stream against the real `serve` on loopback, with ClientWebSocket: every message
/// (window, silence, end and their fields), the normal close, and every limit with its close code and JSON reason,
/// the server answering /api/health after each. Windows and the end are compared with /api/predict on the same file.
/// </summary>
[Collection("Console")]
public class StreamContractTests(StreamServeFixture serve) : IClassFixture<StreamServeFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private static readonly string[] WindowFields = ["type", "start_s", "end_s", "label", "probabilities", "confidence", "smoothed_label"];
    private readonly HttpClient _http = serve.Server.Client();

    private static short[] Clip(double seconds, int rate, int seed) =>
        TestWav.Voiced(seconds, rate, seed).Select(x => (short)MathF.Round(x * 32767)).ToArray();

    private async Task<JsonElement> PredictAsync(short[] pcm, int rate)
    {
        using var dir = new TempDir();
        var path = dir.File("clip.wav");
        EmotionStreamTests.WritePcm16(path, pcm, rate);
        var response = await _http.PostAsync("api/predict", new ByteArrayContent(File.ReadAllBytes(path)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task AssertHealthyAsync()
    {
        var health = JsonDocument.Parse(await _http.GetStringAsync("api/health")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    private static void AssertProbabilities(JsonElement expected, JsonElement actual, string what)
    {
        Assert.Equal(Labels, actual.EnumerateObject().Select(p => p.Name));
        foreach (var l in Labels)
            Assert.True(Math.Abs(expected.GetProperty(l).GetDouble() - actual.GetProperty(l).GetDouble()) <= 1e-5 + 5e-7,
                $"{what} {l}: {actual.GetProperty(l).GetDouble()} vs /api/predict {expected.GetProperty(l).GetDouble()}");
    }

    /// <summary>A whole stream: start, the audio in random frames, stop; returns the client after the server closed.</summary>
    private async Task<StreamClient> StreamAsync(byte[] audio, int rate, string encoding, int bytesPerSample, int seed, string extra = "")
    {
        var client = await StreamClient.ConnectAsync(serve.Server.BaseUri);
        await client.StartAsync(rate, encoding, extra);
        var rng = new Random(seed);
        int samples = audio.Length / bytesPerSample, at = 0;
        foreach (int size in StreamingResamplerTests.RandomChunks(rng, samples, rate))
        {
            await client.SendBinaryAsync(audio.AsMemory(at * bytesPerSample, size * bytesPerSample));
            at += size;
        }
        await client.StopAsync();
        var (status, _) = await client.ClosedAsync(60);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        return client;
    }

    [Fact]
    public async Task Pcm16At44k_InRandomFrames_GivesPredictsWindowsThenEnd_AndClosesNormally()
    {
        var pcm = Clip(4.3, 44100, seed: 11);
        var expected = await PredictAsync(pcm, 44100);
        await using var client = await StreamAsync(StreamClient.Pcm16Bytes(pcm), 44100, "pcm_s16le", 2, seed: 1);
        var messages = client.Messages.Select(m => m.Message).ToList();
        var segments = expected.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(segments.Count + 1, messages.Count);
        for (int i = 0; i < segments.Count; i++)
        {
            var m = messages[i];
            Assert.Equal(WindowFields, m.EnumerateObject().Select(p => p.Name));
            Assert.Equal("window", m.GetProperty("type").GetString());
            Assert.Equal(Math.Round(segments[i].GetProperty("start_s").GetDouble(), 3), m.GetProperty("start_s").GetDouble());
            Assert.Equal(Math.Round(segments[i].GetProperty("end_s").GetDouble(), 3), m.GetProperty("end_s").GetDouble());
            Assert.Equal(segments[i].GetProperty("label").GetString(), m.GetProperty("label").GetString());
            AssertProbabilities(segments[i].GetProperty("probabilities"), m.GetProperty("probabilities"), $"window {i}");
            var probabilities = m.GetProperty("probabilities").EnumerateObject().Select(p => p.Value.GetDouble()).ToList();
            Assert.Equal(probabilities.Max(), m.GetProperty("confidence").GetDouble());
            Assert.Contains(m.GetProperty("smoothed_label").GetString(), Labels);
        }
        var end = messages[^1];
        Assert.Equal(["type", "label", "probabilities", "duration_s"], end.EnumerateObject().Select(p => p.Name));
        Assert.Equal("end", end.GetProperty("type").GetString());
        Assert.Equal(expected.GetProperty("label").GetString(), end.GetProperty("label").GetString());
        AssertProbabilities(expected.GetProperty("probabilities"), end.GetProperty("probabilities"), "end");
        Assert.Equal(Math.Round(expected.GetProperty("duration_s").GetDouble(), 3), end.GetProperty("duration_s").GetDouble());
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Float32_GivesTheSameAsPcm16_AndSmoothOneIsTheWindowsOwnLabel()
    {
        var pcm = Clip(3.2, 16000, seed: 5);
        var floats = pcm.Select(s => s / 32768f).ToArray();
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
        var expected = await PredictAsync(pcm, 16000);
        await using var client = await StreamAsync(bytes, 16000, "f32le", 4, seed: 2, extra: ", \"smooth\": 1, \"hop_s\": 0.5");
        var messages = client.Messages.Select(m => m.Message).ToList();
        Assert.Equal(expected.GetProperty("segments").GetArrayLength() + 1, messages.Count);
        foreach (var w in messages.SkipLast(1)) Assert.Equal(w.GetProperty("label").GetString(), w.GetProperty("smoothed_label").GetString());
        AssertProbabilities(expected.GetProperty("probabilities"), messages[^1].GetProperty("probabilities"), "end");
    }

    [Fact]
    public async Task Vad_GivesSilenceMessages_ForWindowsWithoutSpeech()
    {
        var pcm = Clip(2, 16000, seed: 3).Concat(new short[32000]).ToArray(); // 2 s of speech, 2 s of digital silence
        await using var client = await StreamAsync(StreamClient.Pcm16Bytes(pcm), 16000, "pcm_s16le", 2, seed: 3, extra: ", \"vad\": true");
        var messages = client.Messages.Select(m => m.Message).ToList();
        var silence = messages.Where(m => m.GetProperty("type").GetString() == "silence").ToList();
        Assert.Equal([2.0, 2.5, 3.0], silence.Select(s => s.GetProperty("start_s").GetDouble()));
        Assert.All(silence, s => Assert.Equal(["type", "start_s", "end_s"], s.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(4, messages.Count(m => m.GetProperty("type").GetString() == "window"));
        Assert.Equal("end", messages[^1].GetProperty("type").GetString());
    }

    /// <summary>Sends what <paramref name="send"/> sends and expects the server to close with <paramref name="status"/> and a reason mentioning <paramref name="mentions"/>.</summary>
    private async Task AssertClosedAsync(Func<StreamClient, Task> send, WebSocketCloseStatus status, string mentions)
    {
        await using var client = await StreamClient.ConnectAsync(serve.Server.BaseUri);
        await send(client);
        var (actual, error) = await client.ClosedAsync();
        Assert.True(status == actual, $"expected close {(int)status}, got {(int)actual}: {error}");
        Assert.Contains(mentions, error);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task WrongMessages_CloseWith1003Or1007_AndAJsonReason()
    {
        var audio = StreamClient.Pcm16Bytes(Clip(0.5, 16000, 1));
        await AssertClosedAsync(c => c.SendBinaryAsync(audio), WebSocketCloseStatus.InvalidMessageType, "audio before start");
        await AssertClosedAsync(c => c.StopAsync(), WebSocketCloseStatus.InvalidMessageType, "stop before start");
        await AssertClosedAsync(c => c.SendTextAsync("hello"), WebSocketCloseStatus.InvalidPayloadData, "not valid JSON");
        await AssertClosedAsync(c => c.SendTextAsync("{\"type\": \"pause\"}"), WebSocketCloseStatus.InvalidMessageType, "unknown message type 'pause'");
        await AssertClosedAsync(c => c.StartAsync(16000, "mp3"), WebSocketCloseStatus.InvalidPayloadData, "unknown encoding 'mp3'");
        await AssertClosedAsync(c => c.SendTextAsync("{\"type\": \"start\", \"encoding\": \"f32le\"}"), WebSocketCloseStatus.InvalidPayloadData, "sample_rate is required");
        await AssertClosedAsync(c => c.StartAsync(100), WebSocketCloseStatus.InvalidPayloadData, "sample_rate 100");
        await AssertClosedAsync(c => c.StartAsync(16000, extra: ", \"samplerate\": 8000"), WebSocketCloseStatus.InvalidPayloadData, "unknown field 'samplerate'");
        await AssertClosedAsync(c => c.StartAsync(16000, extra: ", \"hop_s\": 5"), WebSocketCloseStatus.InvalidPayloadData, "hop_s 5");
        await AssertClosedAsync(async c => { await c.StartAsync(16000); await c.StartAsync(16000); }, WebSocketCloseStatus.InvalidMessageType, "already started");
        await AssertClosedAsync(async c => { await c.StartAsync(16000); await c.SendBinaryAsync(audio.AsMemory(0, 301)); }, WebSocketCloseStatus.InvalidPayloadData, "301 bytes is not whole pcm_s16le samples");
        await AssertClosedAsync(async c => { await c.StartAsync(16000, "f32le"); await c.SendBinaryAsync(new byte[6]); }, WebSocketCloseStatus.InvalidPayloadData, "not whole f32le samples");
        await AssertClosedAsync(async c => { await c.StartAsync(16000, "f32le"); await c.SendBinaryAsync(BitConverter.GetBytes(float.NaN)); }, WebSocketCloseStatus.InvalidPayloadData, "sample 0 is NaN");
        await AssertClosedAsync(async c => { await c.StartAsync(16000); await c.StopAsync(); }, WebSocketCloseStatus.InvalidPayloadData, "no audio before stop");
        // After audio, a text message that is not stop: the windows computed so far are sent, then the close.
        await using var client = await StreamClient.ConnectAsync(serve.Server.BaseUri);
        await client.StartAsync(16000);
        await client.SendBinaryAsync(StreamClient.Pcm16Bytes(Clip(2, 16000, 2)));
        await client.SendTextAsync("{\"type\": \"stopp\"}");
        var (status, error) = await client.ClosedAsync();
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, status);
        Assert.Contains("unknown message type 'stopp'", error);
        Assert.Equal(3, client.Messages.Count(m => m.Message.GetProperty("type").GetString() == "window"));
    }

    [Fact]
    public async Task TooManyStreams_1013_ThenANewStreamWorksOnceOneEnds()
    {
        var open = new List<StreamClient>();
        for (int i = 0; i < StreamServeFixture.MaxStreams; i++)
        {
            var c = await StreamClient.ConnectAsync(serve.Server.BaseUri);
            await c.StartAsync(16000);
            open.Add(c);
        }
        await AssertClosedAsync(_ => Task.CompletedTask, (WebSocketCloseStatus)1013, $"busy: {StreamServeFixture.MaxStreams} streams open");
        await open[0].SendBinaryAsync(StreamClient.Pcm16Bytes(Clip(1.2, 16000, 4)));
        await open[0].StopAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await open[0].ClosedAsync()).Status);
        await using var again = await StreamAsync(StreamClient.Pcm16Bytes(Clip(1.2, 16000, 4)), 16000, "pcm_s16le", 2, seed: 4);
        Assert.Equal("end", again.Messages[^1].Message.GetProperty("type").GetString());
        foreach (var c in open) await c.DisposeAsync();
    }

    [Fact]
    public async Task Idle_And_TooLong_CloseWith1008()
    {
        var started = DateTime.UtcNow;
        await AssertClosedAsync(c => c.StartAsync(16000), WebSocketCloseStatus.PolicyViolation, $"idle: nothing received for {StreamServeFixture.IdleSeconds} s");
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, StreamServeFixture.IdleSeconds, 15);
        var tooLong = StreamClient.Pcm16Bytes(new short[(int)(16000 * (StreamServeFixture.MaxStreamSeconds + 1))]);
        await AssertClosedAsync(async c => { await c.StartAsync(16000); await c.SendBinaryAsync(tooLong); }, WebSocketCloseStatus.PolicyViolation, "longer than --max-stream-seconds (20 s)");
        var huge = new byte[(4 << 20) + 2];
        await AssertClosedAsync(async c => { await c.StartAsync(16000); await c.SendBinaryAsync(huge); }, WebSocketCloseStatus.MessageTooBig, "larger than 4194304 bytes");
    }

    [Fact]
    public async Task FasterThanTheRealtimeFactor_IsPaced_NotRefused()
    {
        // 7 s sent at once: the server reads one window (1 s) ahead of 2 × real time, so the last window
        // can be answered no sooner than (7 − 1) / 2 = 3 s after the start.
        var pcm = Clip(7, 16000, seed: 8);
        var client = await StreamClient.ConnectAsync(serve.Server.BaseUri);
        await using var _ = client;
        double start = client.Now;
        await client.StartAsync(16000);
        await client.SendBinaryAsync(StreamClient.Pcm16Bytes(pcm.AsSpan(0, 16000)));
        for (int s = 1; s < 7; s++) await client.SendBinaryAsync(StreamClient.Pcm16Bytes(pcm.AsSpan(16000 * s, 16000)));
        await client.StopAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await client.ClosedAsync(30)).Status);
        var windows = client.Messages.Where(m => m.Message.GetProperty("type").GetString() == "window").ToList();
        Assert.Equal(13, windows.Count);
        Assert.True(windows[^1].Seconds - start >= 3.0 - 0.05, $"the last window came {windows[^1].Seconds - start:0.00} s after the start");
        Assert.True(windows[0].Seconds - start < 2.0, $"the first window came {windows[0].Seconds - start:0.00} s after the start");
    }

    [Fact]
    public async Task PlainGet_400WithAJsonError()
    {
        var response = await _http.GetAsync("api/stream");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }
}
