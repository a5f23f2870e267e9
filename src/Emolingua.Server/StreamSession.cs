using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Emolingua.Inference;
using Emolingua.Util;
using Microsoft.Extensions.Logging;

namespace Emolingua.Server;

// The per-connection half of StreamEndpoint: one Session per WebSocket.
internal sealed partial class StreamEndpoint
{
    /// <summary>One connection: a receiving loop (start, audio, stop; limits) and a sending loop (events in window
    /// order).</summary>
    private sealed partial class Session(StreamEndpoint endpoint, WebSocket socket)
    {
        private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(
            new UnboundedChannelOptions { SingleReader = true, SingleWriter = false }
        );
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private StreamWindower? _windower;
        private StreamScorer? _scorer;
        private bool _float;
        private int _sampleRate;
        private long _samples; // at the stream's rate
        private long _lastFrameTicks; // _clock ticks when a message last arrived (or reading resumed after pacing)
        private volatile bool _reading; // waiting for the client (idle time counts only then)
        private volatile bool _finished; // stop, an error or a limit: nothing more is read as audio

        private ServeOptions Options => endpoint.Options;

        public async Task RunAsync()
        {
            var sending = Task.Run(SendAsync);
            using var watchdog = new CancellationTokenSource();
            var idle = WatchIdleAsync(watchdog.Token);
            using var stopping = endpoint.Stopping.Register(() =>
                Finish(new CloseItem(WebSocketCloseStatus.EndpointUnavailable, "the server is shutting down"))
            );
            var receiving = ReceiveUntilClosedAsync();
            await sending;
            // Our close is sent: the client answers with its own; one that does not is cut off.
            if (await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(5))) != receiving)
                socket.Abort();
            await receiving;
            watchdog.Cancel();
            await idle;
        }

        private async Task ReceiveUntilClosedAsync()
        {
            try
            {
                await ReceiveAsync();
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away: nothing left to send to.
            }
            _outgoing.Writer.TryComplete();
        }

        private void Finish(Outgoing last)
        {
            lock (_outgoing)
            {
                if (_finished)
                    return;
                _finished = true;
                _outgoing.Writer.TryWrite(last);
                _outgoing.Writer.TryComplete();
            }
        }

        /// <summary>Reads messages until the client's close frame (or the connection drops).</summary>
        private async Task ReceiveAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                _lastFrameTicks = _clock.ElapsedTicks;
                while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
                {
                    _reading = true;
                    var (type, length, tooLarge) = await ReadMessageAsync(buffer, b => buffer = b);
                    _reading = false;
                    _lastFrameTicks = _clock.ElapsedTicks;
                    if (type == WebSocketMessageType.Close)
                    {
                        if (!_finished)
                            Finish(new CloseItem(WebSocketCloseStatus.NormalClosure, "")); // answer the client's close
                        return;
                    }
                    if (_finished)
                        continue; // after stop or an error: drain until the client closes
                    if (type == WebSocketMessageType.Binary && !tooLarge)
                        await PaceAsync(length);
                    try
                    {
                        if (tooLarge)
                        {
                            throw new Refusal(
                                WebSocketCloseStatus.MessageTooBig,
                                $"message larger than {MaxMessageBytes} bytes; send audio in smaller frames"
                            );
                        }

                        var data = buffer.AsSpan(0, length);
                        if (type == WebSocketMessageType.Text)
                            OnText(data);
                        else
                            OnAudio(data);
                    }
                    catch (Refusal r)
                    {
                        Finish(new CloseItem(r.Status, r.Message));
                        continue;
                    }
                    catch (EmolinguaException e)
                    {
                        Finish(new CloseItem(WebSocketCloseStatus.InvalidPayloadData, e.Message));
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>One whole message into <paramref name="buffer"/> (grown as needed up to the limit; beyond it the
        /// rest is read and dropped).</summary>
        private async Task<(WebSocketMessageType Type, int Length, bool TooLarge)> ReadMessageAsync(
            byte[] buffer,
            Action<byte[]> grown
        )
        {
            var length = 0;
            var tooLarge = false;
            while (true)
            {
                if (length == buffer.Length && !tooLarge)
                {
                    if (buffer.Length >= MaxMessageBytes)
                    {
                        tooLarge = true;
                        length = 0;
                    }
                    else
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxMessageBytes, 2 * buffer.Length));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                        grown(buffer);
                    }
                }
                var result = await socket.ReceiveAsync(
                    buffer.AsMemory(tooLarge ? 0 : length, tooLarge ? buffer.Length : buffer.Length - length),
                    CancellationToken.None
                );
                if (result.MessageType == WebSocketMessageType.Close)
                    return (result.MessageType, 0, false);
                if (!tooLarge)
                    length += result.Count;
                if (result.EndOfMessage)
                    return (result.MessageType, length, tooLarge);
            }
        }

        private void OnText(ReadOnlySpan<byte> data)
        {
            JsonObject message;
            try
            {
                message =
                    JsonNode.Parse(data) as JsonObject
                    ?? throw new Refusal(
                        WebSocketCloseStatus.InvalidPayloadData,
                        "a text message must be a JSON object with a \"type\""
                    );
            }
            catch (JsonException)
            {
                throw new Refusal(WebSocketCloseStatus.InvalidPayloadData, "a text message is not valid JSON");
            }
            var type = message["type"] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
            switch (type)
            {
                case "start" when _windower == null:
                    Start(message);
                    break;
                case "start":
                    throw new Refusal(WebSocketCloseStatus.InvalidMessageType, "the stream has already started");
                case "stop" when _windower == null:
                    throw new Refusal(WebSocketCloseStatus.InvalidMessageType, "stop before start");
                case "stop":
                    foreach (var w in _windower.Complete())
                        Enqueue(w);
                    if (_windower.Length == 0)
                        throw new Refusal(WebSocketCloseStatus.InvalidPayloadData, "no audio before stop");
                    Finish(new EndItem(_windower.Length));
                    break;
                default:
                    throw new Refusal(
                        WebSocketCloseStatus.InvalidMessageType,
                        type == null
                            ? "a text message needs a \"type\""
                            : $"unknown message type '{type}' (expected start or stop)"
                    );
            }
        }

        private void Start(JsonObject message)
        {
            foreach (var key in message.Select(p => p.Key))
            {
                if (!StartKeys.Contains(key))
                {
                    throw new Refusal(
                        WebSocketCloseStatus.InvalidPayloadData,
                        $"start: unknown field '{key}' (known: {string.Join(", ", StartKeys)})"
                    );
                }
            }

            _sampleRate = Integer(message, "sample_rate")
                ?? throw new Refusal(WebSocketCloseStatus.InvalidPayloadData, "start: sample_rate is required");
            _float = (
                message["encoding"] is JsonValue e && e.TryGetValue<string>(out var encoding) ? encoding : null
            ) switch
            {
                "pcm_s16le" => false,
                "f32le" => true,
                null => throw new Refusal(
                    WebSocketCloseStatus.InvalidPayloadData,
                    "start: encoding is required (pcm_s16le or f32le)"
                ),
                var other => throw new Refusal(
                    WebSocketCloseStatus.InvalidPayloadData,
                    $"start: unknown encoding '{other}' (pcm_s16le or f32le)"
                ),
            };
            double? vad = message["vad"] switch
            {
                null => null,
                JsonValue b when b.TryGetValue<bool>(out var on) => on ? StreamOptions.DefaultVadDecibels : null,
                JsonValue n when n.TryGetValue<double>(out var db) => db,
                _ => throw new Refusal(
                    WebSocketCloseStatus.InvalidPayloadData,
                    "start: vad must be true, false or a number of dB"
                ),
            };
            var streamOptions = new StreamOptions
            {
                SampleRate = _sampleRate,
                HopSeconds = Number(message, "hop_s"),
                Smooth = Integer(message, "smooth") ?? new StreamOptions().Smooth,
                VadDecibels = vad,
            };
            // validates: an EmolinguaException becomes 1007
            _windower = new StreamWindower(endpoint.Recognizer.Seconds, streamOptions);
            _scorer = new StreamScorer(endpoint.Recognizer.Labels, streamOptions.Smooth);
        }

        private static double? Number(JsonObject message, string key) =>
            message[key] switch
            {
                null => null,
                JsonValue v when v.TryGetValue<double>(out var d) => d,
                _ => throw new Refusal(WebSocketCloseStatus.InvalidPayloadData, $"start: {key} must be a number"),
            };

        private static int? Integer(JsonObject message, string key) =>
            Number(message, key) switch
            {
                null => null,
                double d when d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
                _ => throw new Refusal(WebSocketCloseStatus.InvalidPayloadData, $"start: {key} must be an integer"),
            };

        private void OnAudio(ReadOnlySpan<byte> data)
        {
            if (_windower == null)
            {
                throw new Refusal(
                    WebSocketCloseStatus.InvalidMessageType,
                    "audio before start: send {\"type\": \"start\", ...} first"
                );
            }

            var width = _float ? 4 : 2;
            if (data.Length % width != 0)
            {
                throw new Refusal(
                    WebSocketCloseStatus.InvalidPayloadData,
                    $"a binary frame of {data.Length} bytes is not whole {(_float ? "f32le" : "pcm_s16le")} samples ({width} bytes each)"
                );
            }

            var total = _samples + data.Length / width;
            if (total > (long)(Options.MaxStreamSeconds * _sampleRate))
            {
                throw new Refusal(
                    WebSocketCloseStatus.PolicyViolation,
                    $"stream longer than --max-stream-seconds ({Options.MaxStreamSeconds} s)"
                );
            }

            _samples = total;
            IReadOnlyList<StreamWindow> windows;
            if (_float)
            {
                var samples = MemoryMarshal.Cast<byte, float>(data);
                var bad = Finite.FirstNonFinite(samples);
                if (bad >= 0)
                {
                    throw new Refusal(
                        WebSocketCloseStatus.InvalidPayloadData,
                        $"sample {_samples - samples.Length + bad} is {Finite.Name(samples[(int)bad])}"
                    );
                }

                windows = _windower.Push(samples);
            }
            else
            {
                var pcm = MemoryMarshal.Cast<byte, short>(data);
                var samples = ArrayPool<float>.Shared.Rent(pcm.Length);
                try
                {
                    Pcm.ToFloat(pcm, samples);
                    windows = _windower.Push(samples.AsSpan(0, pcm.Length));
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(samples);
                }
            }
            foreach (var w in windows)
                Enqueue(w);
        }

        private void Enqueue(StreamWindow w) =>
            _outgoing.Writer.TryWrite(new WindowItem(w, w.Silent ? null : endpoint.Batcher.ClassifyAsync(w.Samples!)));
    }
}
