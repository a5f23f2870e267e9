using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Emolingua.Tests.Cli;
using Xunit.Abstractions;

namespace Emolingua.Tests.Server;

/// <summary>
/// The default limits (2 at once, 16 waiting) on 127.0.0.1. Past the bound: 18 uploads held open fill it, and 50
/// concurrent requests then all get the documented 503 (the whole JSON error, Retry-After), while the 18 held requests
/// complete with 200. Then 50 concurrent clients × 4 requests: every request is answered, with 200 or a clean 503,
/// never another status; the server's resident memory stays bounded. Latency percentiles are printed (and written to
/// serve-load.txt beside the test assembly), not asserted: timings on a shared machine are not a test.
/// </summary>
[Collection("Console")]
public class ServeLoadTests(TinyBundleFixture bundle, ITestOutputHelper output) : IClassFixture<TinyBundleFixture>
{
    private const int Clients = 50,
        RequestsPerClient = 4,
        MaxConcurrent = 2,
        Queue = 16;

    /// <summary>The README's 503 error for the default limits.</summary>
    private const string BusyError = "busy: 2 requests running and 16 waiting; retry later";

    /// <summary>Admitted requests hold at most a 2 s upload each; decoding and the model add little. 256 MB is far
    /// above that and far below a leak per request.</summary>
    private const long MaxGrowthBytes = 256L << 20;

    [Fact]
    public async Task PastTheBound_503s_ThenFiftyClientsTimesFour_All200OrClean503_MemoryBounded()
    {
        using var server = ServerProcess.Start("--model", Path.GetDirectoryName(bundle.Folder)!);
        using var dir = new TempDir();
        var clips = Enumerable
            .Range(0, 5)
            .Select(i =>
            {
                var path = dir.File($"clip{i}.wav");
                TestWav.WritePcm16Mono(path, PredictTests.Varied(2.0, 50 + i), 16000);
                return File.ReadAllBytes(path);
            })
            .ToArray();

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients };
        using var http = new HttpClient(handler) { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(120) };
        for (var i = 0; i < 3; i++)
            (await http.PostAsync("api/predict", new ByteArrayContent(clips[i]))).EnsureSuccessStatusCode(); // warm-up
        await DriveThePastBound(server, http, clips[0]);
        var (rssBefore, _) = server.Memory();

        var peakRss = rssBefore;
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, server.Memory().Rss);
                await Task.Delay(20);
            }
        });

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wall = Stopwatch.StartNew();
        var clients = Enumerable
            .Range(0, Clients)
            .Select(c =>
                Task.Run(async () =>
                {
                    await start.Task;
                    var results = new List<(int Status, double Milliseconds, string? Problem)>();
                    for (var r = 0; r < RequestsPerClient; r++)
                    {
                        var watch = Stopwatch.StartNew();
                        using var response = await http.PostAsync(
                            "api/predict",
                            new ByteArrayContent(clips[(c + r) % clips.Length])
                        );
                        var text = await response.Content.ReadAsStringAsync();
                        watch.Stop();
                        results.Add(
                            ((int)response.StatusCode, watch.Elapsed.TotalMilliseconds, Problem(response, text))
                        );
                    }
                    return results;
                })
            )
            .ToList();
        wall.Restart();
        start.SetResult();
        var all = (await Task.WhenAll(clients)).SelectMany(r => r).ToList();
        wall.Stop();
        stopSampling.Cancel();
        await sampler;
        var (rssAfter, peakHwm) = server.Memory();
        peakRss = Math.Max(peakRss, peakHwm);

        Assert.Equal(Clients * RequestsPerClient, all.Count);
        var problems = all.Where(r => r.Problem != null).Select(r => $"{r.Status}: {r.Problem}").Distinct().ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        int ok = all.Count(r => r.Status == 200),
            busy = all.Count(r => r.Status == 503);
        Assert.Equal(all.Count, ok + busy);
        // the first wave alone fills 2 turns and 16 places
        Assert.True(ok >= MaxConcurrent + Queue, $"only {ok} requests were served");

        var report = string.Join(
            '\n',
            $"serve load: {Clients} clients x {RequestsPerClient} requests (2 s WAV, tiny 1 s-window model, --max-concurrent 2 --queue 16)",
            $"  answered {all.Count}: {ok} x 200, {busy} x 503; wall {wall.Elapsed.TotalSeconds:0.00} s",
            $"  latency all: p50 {Percentile(all, 50):0} ms, p99 {Percentile(all, 99):0} ms",
            $"  latency 200: p50 {Percentile(all.Where(r => r.Status == 200), 50):0} ms, p99 {Percentile(all.Where(r => r.Status == 200), 99):0} ms",
            $"  latency 503: p50 {Percentile(all.Where(r => r.Status == 503), 50):0} ms, p99 {Percentile(all.Where(r => r.Status == 503), 99):0} ms",
            $"  server RSS: before {rssBefore >> 20} MB, peak {peakRss >> 20} MB, after {rssAfter >> 20} MB",
            $"  machine load average (1/5/15 min) after: {File.ReadAllText("/proc/loadavg").Trim()}"
        );
        output.WriteLine(report);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "serve-load.txt"), report + "\n");

        Assert.True(
            peakRss - rssBefore < MaxGrowthBytes,
            $"server memory grew by {(peakRss - rssBefore) >> 20} MB under load\n{report}"
        );
        await server.WaitForHealthAsync(waiting: 0);
        Assert.Empty(server.TemporaryFiles); // every spooled upload was deleted
    }

    /// <summary>
    /// Holds max-concurrent + queue uploads open (admission comes before the upload, so they fill the bound), then
    /// sends
    /// <see cref="Clients"/> requests at once: every one must be the documented 503. The held requests then finish with
    /// 200.
    /// </summary>
    private static async Task DriveThePastBound(ServerProcess server, HttpClient http, byte[] clip)
    {
        var held = Enumerable
            .Range(0, MaxConcurrent + Queue)
            .Select(_ => HeldUpload.Begin(server.BaseUri, clip, 100))
            .ToList();
        try
        {
            await server.WaitForHealthAsync(waiting: MaxConcurrent + Queue);
            var refused = await Task.WhenAll(
                Enumerable
                    .Range(0, Clients)
                    .Select(async _ =>
                    {
                        using var response = await http.PostAsync("api/predict", new ByteArrayContent(clip));
                        return (
                            (int)response.StatusCode,
                            response.Headers.RetryAfter?.Delta,
                            await response.Content.ReadAsStringAsync()
                        );
                    })
            );
            foreach (var (status, retryAfter, text) in refused)
            {
                Assert.True(status == 503, $"{status} past the bound: {text}");
                Assert.Equal(BusyError, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
                Assert.NotNull(retryAfter);
                Assert.InRange(retryAfter.Value.TotalSeconds, 1, 3600);
            }
            foreach (var (status, text) in await Task.WhenAll(held.Select(h => h.FinishAsync())))
            {
                Assert.True(status == 200, $"a held request got {status}: {text}");
                Assert.Equal(3, JsonDocument.Parse(text).RootElement.GetProperty("segments").GetArrayLength());
            }
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
        await server.WaitForHealthAsync(waiting: 0);
    }

    /// <summary>What is wrong with one answer, or null: a 200 needs a label, a 503 a JSON error and
    /// Retry-After.</summary>
    private static string? Problem(HttpResponseMessage response, string text)
    {
        try
        {
            using var body = JsonDocument.Parse(text);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => body.RootElement.GetProperty("segments").GetArrayLength() == 3
                    ? null
                    : "wrong segment count: " + text,
                HttpStatusCode.ServiceUnavailable => response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }
                && body.RootElement.GetProperty("error").GetString() == BusyError
                    ? null
                    : "503 without Retry-After or error: " + text,
                _ => "unexpected status: " + text,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"not the expected JSON ({e.Message}): {text}";
        }
    }

    private static double Percentile(
        IEnumerable<(int Status, double Milliseconds, string? Problem)> results,
        int percent
    )
    {
        var sorted = results.Select(r => r.Milliseconds).Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        // nearest rank
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
