using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Emolingua.Inference;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Emolingua.Server;

/// <summary>
/// <c>GET /api/stream</c>: live emotion over a WebSocket. The client sends
/// <c>{"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le"}</c> (or <c>"f32le"</c>; optional <c>hop_s</c>,
/// <c>vad</c>, <c>smooth</c>), binary audio frames of any length, then <c>{"type": "stop"}</c>; the server answers each
/// window as soon as it is complete (<see cref="StreamJson"/>), then <c>end</c> with the whole-stream result, and
/// closes normally. Every limit and every malformed message ends the stream with a close code and a JSON reason
/// <c>{"error": "..."}</c>; the server stays up. Audio sent faster than <c>--max-realtime-factor</c> × real time is
/// paced, not refused: beyond one window ahead of that rate the server stops reading until real time catches up, so TCP
/// slows the sender and nothing is lost.
/// </summary>
internal sealed partial class StreamEndpoint(
    ServeOptions options,
    EmotionRecognizer recognizer,
    WindowBatcher batcher,
    ILogger log,
    CancellationToken stopping
)
{
    private ServeOptions Options { get; } = options;
    private EmotionRecognizer Recognizer { get; } = recognizer;
    private WindowBatcher Batcher { get; } = batcher;
    private ILogger Log { get; } = log;
    private CancellationToken Stopping { get; } = stopping;

    /// <summary>Close codes (RFC 6455 §7.4.1, 1013 from the IANA registry).</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>Largest message read (a frame of audio or a text message): 4 MB, about 2 minutes of 16 kHz
    /// PCM16.</summary>
    public const int MaxMessageBytes = 4 << 20;

    private static readonly HashSet<string> StartKeys = ["type", "sample_rate", "encoding", "hop_s", "vad", "smooth"];
    private int _open;

    /// <summary>Streams open now.</summary>
    public int Open => Volatile.Read(ref _open);

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(
                new ErrorResponse("expected a WebSocket upgrade (GET /api/stream is the live stream; see the README)"),
                ApiResponses.Json
            );
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        if (Interlocked.Increment(ref _open) > Options.MaxStreams)
        {
            Interlocked.Decrement(ref _open);
            await CloseAsync(socket, TryAgainLater, $"busy: {Options.MaxStreams} streams open; retry later");
            return;
        }
        try
        {
            await new Session(this, socket).RunAsync();
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>Sends the close frame with a JSON reason and waits briefly for the client's, as the protocol
    /// asks.</summary>
    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string error)
    {
        try
        {
            await socket.CloseOutputAsync(status, Reason(error), CancellationToken.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var buffer = new byte[1024];
            while (socket.State == WebSocketState.CloseSent)
            {
                if ((await socket.ReceiveAsync(buffer, timeout.Token)).MessageType == WebSocketMessageType.Close)
                    break;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
    }

    /// <summary>{"error": "..."} cut to the 123 bytes a close reason may hold.</summary>
    internal static string Reason(string error)
    {
        for (var length = error.Length; ; length -= 4)
        {
            var text = length < error.Length ? error[..Math.Max(0, length)] + "..." : error;
            var json = JsonSerializer.Serialize(new ErrorResponse(text), ApiResponses.Json);
            if (Encoding.UTF8.GetByteCount(json) <= 123)
                return json;
        }
    }

    /// <summary>An item for the sending side, in the order the client must see them.</summary>
    private abstract record Outgoing;

    private sealed record WindowItem(StreamWindow Window, Task<float[]>? Probabilities) : Outgoing;

    private sealed record EndItem(long Samples16k) : Outgoing;

    private sealed record CloseItem(WebSocketCloseStatus Status, string Error) : Outgoing;

    private sealed class Refusal(WebSocketCloseStatus status, string message) : Exception(message)
    {
        public WebSocketCloseStatus Status { get; } = status;
    }
}
