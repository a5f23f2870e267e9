using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Emolingua.Tests.Server;

/// <summary>
/// A client of GET /api/stream on loopback (System.Net.WebSockets.ClientWebSocket): sends the start message, audio
/// frames and stop as a test says, while a receiving task records every message with the time it arrived, and the
/// close.
/// Every wait is bounded.
/// </summary>
public sealed class StreamClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly List<(JsonElement Message, double Seconds)> _messages = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task? _receiving;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;
    public string? CloseReason => _socket.CloseStatusDescription;
    public double Now => _clock.Elapsed.TotalSeconds;

    public IReadOnlyList<(JsonElement Message, double Seconds)> Messages
    {
        get
        {
            lock (_messages)
                return _messages.ToList();
        }
    }

    public static async Task<StreamClient> ConnectAsync(Uri baseUri)
    {
        var client = new StreamClient();
        var uri = new UriBuilder(baseUri) { Scheme = "ws", Path = "/api/stream" }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client._socket.ConnectAsync(uri, timeout.Token);
        client._receiving = Task.Run(client.ReceiveAsync);
        return client;
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                var text = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    text.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    return;
                }
                Assert.Equal(WebSocketMessageType.Text, result.MessageType);
                var message = JsonDocument.Parse(text.ToArray()).RootElement.Clone();
                lock (_messages)
                    _messages.Add((message, Now));
            }
        }
        catch (WebSocketException) { }
    }

    public Task SendTextAsync(string json) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendBinaryAsync(ReadOnlyMemory<byte> bytes) =>
        _socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None).AsTask();

    public Task StartAsync(int sampleRate, string encoding = "pcm_s16le", string extra = "") =>
        SendTextAsync($"{{\"type\": \"start\", \"sample_rate\": {sampleRate}, \"encoding\": \"{encoding}\"{extra}}}");

    public Task StopAsync() => SendTextAsync("{\"type\": \"stop\"}");

    public static byte[] Pcm16Bytes(ReadOnlySpan<short> pcm) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(pcm).ToArray();

    /// <summary>Waits until the server has closed (and the close handshake is done); false on timeout.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_receiving!, Task.Delay(timeout));
        return done == _receiving;
    }

    /// <summary>The close the server sent: its code and the "error" of its JSON reason.</summary>
    public async Task<(WebSocketCloseStatus Status, string Error)> ClosedAsync(int seconds = 20)
    {
        Assert.True(
            await WaitClosedAsync(TimeSpan.FromSeconds(seconds)),
            $"the server did not close within {seconds} s"
        );
        var reason = CloseReason ?? "";
        var error = reason.Length == 0 ? "" : JsonDocument.Parse(reason).RootElement.GetProperty("error").GetString()!;
        return (CloseStatus!.Value, error);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
            _socket.Abort();
        if (_receiving != null)
            await Task.WhenAny(_receiving, Task.Delay(5000));
        _socket.Dispose();
    }
}
