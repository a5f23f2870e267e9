using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using static Emolingua.Tests.Server.StreamServeFixture;

namespace Emolingua.Tests.Server;

/// <summary>
/// The limits of GET /api/stream against the real `serve` on loopback: wrong messages, too many streams, idle and too
/// long streams, pacing faster than real time and a plain GET, each closed with its code and JSON reason, the server
/// answering /api/health after each.
/// </summary>
[Collection("Console")]
public class StreamLimitTests(StreamServeFixture serve) : IClassFixture<StreamServeFixture>
{
    /// <summary>Sends what <paramref name="send"/> sends and expects the server to close with <paramref name="status"/>
    /// and a reason mentioning <paramref name="mentions"/>.</summary>
    private async Task AssertClosedAsync(Func<StreamClient, Task> send, WebSocketCloseStatus status, string mentions)
    {
        await using var client = await StreamClient.ConnectAsync(serve.Server.BaseUri);
        await send(client);
        var (actual, error) = await client.ClosedAsync();
        Assert.True(status == actual, $"expected close {(int)status}, got {(int)actual}: {error}");
        Assert.Contains(mentions, error);
        await serve.AssertHealthyAsync();
    }

    [Fact]
    public async Task WrongMessages_CloseWith1003Or1007_AndAJsonReason()
    {
        var audio = StreamClient.Pcm16Bytes(Clip(0.5, 16000, 1));
        await AssertClosedAsync(
            c => c.SendBinaryAsync(audio),
            WebSocketCloseStatus.InvalidMessageType,
            "audio before start"
        );
        await AssertClosedAsync(c => c.StopAsync(), WebSocketCloseStatus.InvalidMessageType, "stop before start");
        await AssertClosedAsync(
            c => c.SendTextAsync("hello"),
            WebSocketCloseStatus.InvalidPayloadData,
            "not valid JSON"
        );
        await AssertClosedAsync(
            c => c.SendTextAsync("{\"type\": \"pause\"}"),
            WebSocketCloseStatus.InvalidMessageType,
            "unknown message type 'pause'"
        );
        await AssertClosedAsync(
            c => c.StartAsync(16000, "mp3"),
            WebSocketCloseStatus.InvalidPayloadData,
            "unknown encoding 'mp3'"
        );
        await AssertClosedAsync(
            c => c.SendTextAsync("{\"type\": \"start\", \"encoding\": \"f32le\"}"),
            WebSocketCloseStatus.InvalidPayloadData,
            "sample_rate is required"
        );
        await AssertClosedAsync(c => c.StartAsync(100), WebSocketCloseStatus.InvalidPayloadData, "sample_rate 100");
        await AssertClosedAsync(
            c => c.StartAsync(16000, extra: ", \"samplerate\": 8000"),
            WebSocketCloseStatus.InvalidPayloadData,
            "unknown field 'samplerate'"
        );
        await AssertClosedAsync(
            c => c.StartAsync(16000, extra: ", \"hop_s\": 5"),
            WebSocketCloseStatus.InvalidPayloadData,
            "hop_s 5"
        );
        await AssertClosedAsync(
            async c =>
            {
                await c.StartAsync(16000);
                await c.StartAsync(16000);
            },
            WebSocketCloseStatus.InvalidMessageType,
            "already started"
        );
        await AssertClosedAsync(
            async c =>
            {
                await c.StartAsync(16000);
                await c.SendBinaryAsync(audio.AsMemory(0, 301));
            },
            WebSocketCloseStatus.InvalidPayloadData,
            "301 bytes is not whole pcm_s16le samples"
        );
        await AssertClosedAsync(
            async c =>
            {
                await c.StartAsync(16000, "f32le");
                await c.SendBinaryAsync(new byte[6]);
            },
            WebSocketCloseStatus.InvalidPayloadData,
            "not whole f32le samples"
        );
        await AssertClosedAsync(
            async c =>
            {
                await c.StartAsync(16000, "f32le");
                await c.SendBinaryAsync(BitConverter.GetBytes(float.NaN));
            },
            WebSocketCloseStatus.InvalidPayloadData,
            "sample 0 is NaN"
        );
        await AssertClosedAsync(
            async c =>
            {
                await c.StartAsync(16000);
                await c.StopAsync();
            },
            WebSocketCloseStatus.InvalidPayloadData,
            "no audio before stop"
        );
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
        for (var i = 0; i < StreamServeFixture.MaxStreams; i++)
        {
            var c = await StreamClient.ConnectAsync(serve.Server.BaseUri);
            await c.StartAsync(16000);
            open.Add(c);
        }
        await AssertClosedAsync(
            _ => Task.CompletedTask,
            (WebSocketCloseStatus)1013,
            $"busy: {StreamServeFixture.MaxStreams} streams open"
        );
        await open[0].SendBinaryAsync(StreamClient.Pcm16Bytes(Clip(1.2, 16000, 4)));
        await open[0].StopAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await open[0].ClosedAsync()).Status);
        await using var again = await serve.StreamAsync(
            StreamClient.Pcm16Bytes(Clip(1.2, 16000, 4)),
            16000,
            "pcm_s16le",
            2,
            seed: 4
        );
        Assert.Equal("end", again.Messages[^1].Message.GetProperty("type").GetString());
        foreach (var c in open)
            await c.DisposeAsync();
    }

    [Fact]
    public async Task Idle_And_TooLong_CloseWith1008()
    {
        var started = DateTime.UtcNow;
        await AssertClosedAsync(
            c => c.StartAsync(16000),
            WebSocketCloseStatus.PolicyViolation,
            $"idle: nothing received for {StreamServeFixture.IdleSeconds} s"
        );
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, StreamServeFixture.IdleSeconds, 15);
        var tooLong = StreamClient.Pcm16Bytes(new short[(int)(16000 * (StreamServeFixture.MaxStreamSeconds + 1))]);
        await AssertClosedAsync(
            async c =>
            {
                await c.StartAsync(16000);
                await c.SendBinaryAsync(tooLong);
            },
            WebSocketCloseStatus.PolicyViolation,
            "longer than --max-stream-seconds (20 s)"
        );
        var huge = new byte[(4 << 20) + 2];
        await AssertClosedAsync(
            async c =>
            {
                await c.StartAsync(16000);
                await c.SendBinaryAsync(huge);
            },
            WebSocketCloseStatus.MessageTooBig,
            "larger than 4194304 bytes"
        );
    }

    [Fact]
    public async Task FasterThanTheRealtimeFactor_IsPaced_NotRefused()
    {
        // 7 s sent at once: the server reads one window (1 s) ahead of 2 × real time, so the last window
        // can be answered no sooner than (7 − 1) / 2 = 3 s after the start.
        var pcm = Clip(7, 16000, seed: 8);
        var client = await StreamClient.ConnectAsync(serve.Server.BaseUri);
        await using var _ = client;
        var start = client.Now;
        await client.StartAsync(16000);
        await client.SendBinaryAsync(StreamClient.Pcm16Bytes(pcm.AsSpan(0, 16000)));
        for (var s = 1; s < 7; s++)
            await client.SendBinaryAsync(StreamClient.Pcm16Bytes(pcm.AsSpan(16000 * s, 16000)));
        await client.StopAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await client.ClosedAsync(30)).Status);
        var windows = client.Messages.Where(m => m.Message.GetProperty("type").GetString() == "window").ToList();
        Assert.Equal(13, windows.Count);
        Assert.True(
            windows[^1].Seconds - start >= 3.0 - 0.05,
            $"the last window came {windows[^1].Seconds - start:0.00} s after the start"
        );
        Assert.True(
            windows[0].Seconds - start < 2.0,
            $"the first window came {windows[0].Seconds - start:0.00} s after the start"
        );
    }

    [Fact]
    public async Task PlainGet_400WithAJsonError()
    {
        var response = await serve.Http.GetAsync("api/stream");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(
            "WebSocket",
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()
        );
    }
}
