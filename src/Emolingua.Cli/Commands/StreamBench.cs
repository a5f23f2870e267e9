using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Models.Onnx;
using Emolingua.Server;
using Emolingua.Util;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

/// <summary>
/// bench stream: live streams at real-time pace (0.1 s frames every 0.1 s, starts spread at random over one hop)
/// against the real /api/stream of an in-process server on loopback, with a model of random weights (demo-sized or
/// whisper-small, TorchSharp or ONNX FP32/INT8). Latency of a window = the arrival of its event at the client minus
/// the sending of the frame holding its last sample. One JSON line per number of streams; with capacity, the most
/// streams whose p99 stays within 1 s against the compute bound (windows/s of the same engine on batches of 8,
/// times the hop: one window every S/2 s per stream).
/// </summary>
internal static class StreamBench
{
    public sealed record Settings(
        string Size,
        string Engine,
        OnnxQuantization Quantization,
        double WindowSeconds,
        IReadOnlyList<int> Streams,
        double StreamSeconds,
        int Batch,
        bool Capacity,
        int Threads
    );

    public static int Run(Settings s)
    {
        using var dir = new TempDirectory();
        var stderr = Console.Error;
        stderr.WriteLine(
            $"bench stream: building a {s.Size} model with random weights ({s.Engine}{(s.Quantization == OnnxQuantization.Int8 ? " int8" : "")}, {s.WindowSeconds} s windows)..."
        );
        var modelPath = BuildModel(dir.Path, s);
        using var recognizer = EmotionRecognizer.Load(
            modelPath,
            s.Engine == "onnx" ? EngineKind.Onnx : EngineKind.Torch
        );
        var bound = ComputeBound(recognizer);
        var single = ComputeBound(recognizer, 1); // does batching windows help this engine at all?
        var hop = WhisperAudio.SamplesFor(s.WindowSeconds) / 2 / (double)WhisperAudio.SampleRate;
        var common = new JsonObject
        {
            ["model"] = s.Size,
            ["engine"] = s.Engine,
            ["quantization"] = s.Quantization == OnnxQuantization.Int8 ? "int8" : "none",
            ["window_s"] = s.WindowSeconds,
            ["stream_s"] = s.StreamSeconds,
            ["batch"] = s.Batch,
            ["bound_windows_per_s"] = Math.Round(bound, 2),
            ["bound_streams"] = Math.Round(bound * hop, 2),
            ["windows_per_s_batch1"] = Math.Round(single, 2),
            ["cpu"] = CpuFeatures.Machine.VectorExtension,
            ["threads"] = s.Threads,
        };

        var original = Console.Out;
        Console.SetOut(stderr); // the server's log lines must not mix with the JSON lines
        try
        {
            var options = new ServeOptions(modelPath)
            {
                Port = 0,
                MaxStreams = 1000,
                StreamBatch = s.Batch,
                MaxStreamSeconds = s.StreamSeconds + 60,
            };
            using var app = EmotionServer.Build(options, recognizer);
            app.StartAsync().GetAwaiter().GetResult();
            var address = new Uri(
                app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            );
            var uri = new UriBuilder(address) { Scheme = "ws", Path = "/api/stream" }.Uri;
            Measure(uri, 1, Math.Min(s.StreamSeconds, 2 * s.WindowSeconds + 1), hop, s.WindowSeconds); // warm-up
            var results = new List<JsonObject>();
            var counts = s.Capacity ? CapacityProbe(bound * hop) : s.Streams;
            foreach (var streams in counts)
            {
                var m = Measure(uri, streams, s.StreamSeconds, hop, s.WindowSeconds);
                var line = (JsonObject)common.DeepClone();
                line["what"] =
                    $"stream {s.Size} {s.Engine}{(s.Quantization == OnnxQuantization.Int8 ? " int8" : "")} x{streams}";
                line["streams"] = streams;
                foreach (var (k, v) in m)
                    line[k] = v?.DeepClone();
                original.WriteLine(line.ToJsonString());
                results.Add(line);
                stderr.WriteLine(line.ToJsonString());
                if (s.Capacity && (double)m["p99_ms"]! > 1000)
                    break;
            }
            if (s.Capacity)
            {
                var best = results
                    .Where(r => (double)r["p99_ms"]! <= 1000 && (int)r["lost"]! == 0)
                    .Select(r => (int)r["streams"]!)
                    .DefaultIfEmpty(0)
                    .Max();
                var line = (JsonObject)common.DeepClone();
                line["what"] =
                    $"stream capacity {s.Size} {s.Engine}{(s.Quantization == OnnxQuantization.Int8 ? " int8" : "")}";
                line["capacity_streams"] = best;
                line["fraction_of_bound"] = Math.Round(best / (bound * hop), 3);
                original.WriteLine(line.ToJsonString());
            }
            app.StopAsync().GetAwaiter().GetResult();
        }
        finally
        {
            Console.SetOut(original);
        }
        return 0;
    }

    /// <summary>From a little below the bound upwards, one stream at a time, until p99 passes 1 s.</summary>
    private static IEnumerable<int> CapacityProbe(double boundStreams)
    {
        for (var n = Math.Max(1, (int)Math.Floor(0.7 * boundStreams)); n <= Math.Ceiling(1.5 * boundStreams) + 1; n++)
            yield return n;
    }

    private static string BuildModel(string dir, Settings s)
    {
        var config = s.Size == "demo" ? new WhisperConfig(128, 2, 4, 512) : WhisperConfig.ForSize(s.Size);
        var folder = Path.Combine(dir, "model");
        random.manual_seed(0);
        using (
            var model = new EmotionClassifier(
                new WhisperEncoder(config, WhisperAudio.PositionsFor(s.WindowSeconds)),
                4,
                128
            )
        )
        {
            model.eval();
            ModelBundle.Save(folder, model, s.WindowSeconds, "baseline");
        }
        if (s.Engine != "onnx")
            return folder;
        var onnx = Path.Combine(dir, "model.onnx");
        OnnxExport.Export(folder, onnx, s.Quantization);
        return onnx;
    }

    /// <summary>Windows per second of the engine on batches of <paramref name="batch"/> (median of 5 after a
    /// warm-up).</summary>
    private static double ComputeBound(EmotionRecognizer recognizer, int batch = 8)
    {
        var samples = WhisperAudio.SamplesFor(recognizer.Seconds);
        var rng = new Random(1);
        var windows = Enumerable
            .Range(0, batch)
            .Select(_ => Enumerable.Range(0, samples).Select(_ => (float)(0.1 * (rng.NextDouble() * 2 - 1))).ToArray())
            .ToList();
        recognizer.ClassifyWindows(windows);
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            recognizer.ClassifyWindows(windows);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return windows.Count / times.Order().ElementAt(times.Count / 2);
    }

    /// <summary><paramref name="streams"/> clients at real-time pace; latencies of every window, in ms.</summary>
    private static JsonObject Measure(Uri uri, int streams, double seconds, double hop, double window)
    {
        var rng = new Random(streams);
        var offsets = Enumerable.Range(0, streams).Select(_ => rng.NextDouble() * hop).ToList();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var runs = offsets
            .Select((offset, i) => Task.Run(() => OneStreamAsync(uri, seconds, offset, i, window)))
            .ToArray();
        Task.WaitAll(runs);
        var elapsed = wall.Elapsed.TotalSeconds;
        process.Refresh();
        var latencies = runs.SelectMany(r => r.Result.Latencies).Order().ToList();
        var expected =
            AudioWindows.Starts(WhisperAudio.SamplesFor(seconds), WhisperAudio.SamplesFor(window)).Count * streams;
        double P(double q) =>
            latencies.Count == 0
                ? 0
                : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        return new JsonObject
        {
            ["windows"] = latencies.Count,
            ["lost"] = expected - runs.Sum(r => r.Result.Windows),
            ["p50_ms"] = Math.Round(P(0.5), 1),
            ["p99_ms"] = Math.Round(P(0.99), 1),
            ["max_ms"] = Math.Round(latencies.LastOrDefault(), 1),
            ["cpu_fraction"] = Math.Round(
                (process.TotalProcessorTime - cpu0).TotalSeconds / elapsed / Environment.ProcessorCount,
                3
            ),
        };
    }

    private sealed record StreamRun(List<double> Latencies, int Windows);

    private static async Task<StreamRun> OneStreamAsync(Uri uri, double seconds, double offset, int seed, double window)
    {
        await Task.Delay(TimeSpan.FromSeconds(offset));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        const int rate = WhisperAudio.SampleRate,
            frame = rate / 10;
        var audio = Voiced(seconds, seed);
        var sentAt = new double[(audio.Length + frame - 1) / frame];
        var clock = Stopwatch.StartNew();
        var latencies = new List<double>();
        var windows = 0;
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[1 << 16];
            while (true)
            {
                var text = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    text.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                    return;
                var now = clock.Elapsed.TotalSeconds;
                var message = JsonDocument.Parse(text.ToArray()).RootElement;
                if (message.GetProperty("type").GetString() != "window")
                    continue;
                windows++;
                var lastSample = (long)Math.Round(message.GetProperty("end_s").GetDouble() * rate) - 1;
                latencies.Add(1000 * (now - Volatile.Read(ref sentAt[lastSample / frame])));
            }
        });
        await socket.SendAsync(
            Encoding.UTF8.GetBytes($"{{\"type\": \"start\", \"sample_rate\": {rate}, \"encoding\": \"pcm_s16le\"}}"),
            WebSocketMessageType.Text,
            true,
            CancellationToken.None
        );
        var bytes = new byte[2 * frame];
        for (var f = 0; f < sentAt.Length; f++)
        {
            var due = f * 0.1;
            var wait = due - clock.Elapsed.TotalSeconds;
            if (wait > 0)
                await Task.Delay(TimeSpan.FromSeconds(wait));
            var n = Math.Min(frame, audio.Length - f * frame);
            for (var i = 0; i < n; i++)
                BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), audio[f * frame + i]);
            Volatile.Write(ref sentAt[f], clock.Elapsed.TotalSeconds);
            await socket.SendAsync(bytes.AsMemory(0, 2 * n), WebSocketMessageType.Binary, true, CancellationToken.None);
        }
        await socket.SendAsync(
            Encoding.UTF8.GetBytes("{\"type\": \"stop\"}"),
            WebSocketMessageType.Text,
            true,
            CancellationToken.None
        );
        await receiving;
        if (socket.State == WebSocketState.CloseReceived)
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        return new StreamRun(latencies, windows);
    }

    /// <summary>A voiced test signal (a gliding harmonic tone with an envelope and noise) as 16-bit PCM.</summary>
    private static short[] Voiced(double seconds, int seed)
    {
        var rng = new Random(seed);
        var n = (int)(seconds * WhisperAudio.SampleRate);
        var x = new short[n];
        double phase = 0;
        for (var i = 0; i < n; i++)
        {
            var t = i / (double)WhisperAudio.SampleRate;
            phase += 2 * Math.PI * (120 + 40 * Math.Sin(2 * Math.PI * 0.7 * t)) / WhisperAudio.SampleRate;
            double v = 0;
            for (var h = 1; h <= 8; h++)
                v += Math.Sin(h * phase) / h;
            x[i] = (short)
                Math.Round(
                    32767 * (0.2 * (0.5 + 0.5 * Math.Sin(2 * Math.PI * 3 * t)) * v + 0.01 * (rng.NextDouble() * 2 - 1))
                );
        }
        return x;
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("emolingua-bench-stream-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException) { }
        }
    }
}
