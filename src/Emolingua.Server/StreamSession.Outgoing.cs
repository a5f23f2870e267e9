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

internal sealed partial class StreamEndpoint
{
    /// <summary>The outgoing side of a stream: pacing, the idle watch and the sender.</summary>
    private sealed partial class Session
    {
        /// <summary>
        /// Holds a frame of <paramref name="bytes"/> until the audio read, this frame included, is no more than
        /// max-realtime-factor × the time since the stream began, plus one window.
        /// </summary>
        private async Task PaceAsync(int bytes)
        {
            var width = _float ? 4 : 2;
            if (_windower == null || _finished || bytes % width != 0)
                return; // refused at once, not paced
            var seconds = (_samples + bytes / width) / (double)_sampleRate;
            if (seconds > Options.MaxStreamSeconds)
                return;
            var wait =
                (seconds - endpoint.Recognizer.Seconds) / Options.MaxRealtimeFactor - _clock.Elapsed.TotalSeconds;
            if (wait <= 0)
                return;
            await Task.Delay(TimeSpan.FromSeconds(wait));
            _lastFrameTicks = _clock.ElapsedTicks;
        }

        /// <summary>Closes a stream that sends nothing for --stream-idle-seconds while the server waits for
        /// it.</summary>
        private async Task WatchIdleAsync(CancellationToken cancel)
        {
            try
            {
                while (!cancel.IsCancellationRequested && !_finished)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250, Options.StreamIdleSeconds * 250)), cancel);
                    var idle = (_clock.ElapsedTicks - Volatile.Read(ref _lastFrameTicks)) / (double)Stopwatch.Frequency;
                    if (_reading && idle > Options.StreamIdleSeconds)
                    {
                        Finish(
                            new CloseItem(
                                WebSocketCloseStatus.PolicyViolation,
                                $"idle: nothing received for {Options.StreamIdleSeconds} s"
                            )
                        );
                    }
                }
            }
            catch (OperationCanceledException) { }
        }

        /// <summary>Sends the events in window order as their probabilities arrive, then the end or the
        /// close.</summary>
        private async Task SendAsync()
        {
            var labels = endpoint.Recognizer.Labels;
            try
            {
                await foreach (var item in _outgoing.Reader.ReadAllAsync())
                {
                    switch (item)
                    {
                        case WindowItem w:
                            var probabilities = w.Probabilities == null ? null : await w.Probabilities;
                            await SendJsonAsync(StreamJson.Event(_scorer!.Score(w.Window, probabilities), labels));
                            break;
                        case EndItem end:
                            await SendJsonAsync(StreamJson.End(_scorer!.Result(end.Samples16k), labels));
                            await socket.CloseOutputAsync(
                                WebSocketCloseStatus.NormalClosure,
                                "",
                                CancellationToken.None
                            );
                            return;
                        case CloseItem close:
                            if (close.Status != WebSocketCloseStatus.NormalClosure)
                            {
                                endpoint.Log.LogInformation(
                                    "stream closed with {Code}: {Reason}",
                                    (int)close.Status,
                                    close.Error
                                );
                            }

                            await socket.CloseOutputAsync(
                                close.Status,
                                close.Error.Length == 0 ? "" : Reason(close.Error),
                                CancellationToken.None
                            );
                            return;
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away mid-stream.
            }
            catch (Exception e)
            {
                endpoint.Log.LogError(e, "stream failed");
                try
                {
                    await socket.CloseOutputAsync(
                        WebSocketCloseStatus.InternalServerError,
                        Reason("internal error (see the server log)"),
                        CancellationToken.None
                    );
                }
                catch (Exception inner) when (inner is WebSocketException or ObjectDisposedException) { }
            }
        }

        private Task SendJsonAsync(JsonObject message) =>
            socket.SendAsync(
                Encoding.UTF8.GetBytes(message.ToJsonString()),
                WebSocketMessageType.Text,
                true,
                CancellationToken.None
            );
    }
}
