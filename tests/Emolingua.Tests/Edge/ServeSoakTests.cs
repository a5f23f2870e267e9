using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Server;

namespace Emolingua.Tests.Edge;

/// <summary>
/// A bounded soak of `serve` on loopback: good clips (WAV and MP3), bad bytes, truncated and overflowing files, a
/// multipart body cut short, and uploads the client aborts mid-body, from 4 clients at once. Every answer must be one
/// the API documents (200, 400, 413, 415, 422, 429, 503); afterwards the server's RSS is within 50 MB of its RSS after
/// the warm-up, its open file descriptors are back to the baseline, and no spooled upload is left in its TMPDIR.
/// 400 requests here (about a minute); scripts/soak.sh runs the same test with EMOLINGUA_SOAK_REQUESTS=10000 and
/// EMOLINGUA_SOAK_LOG=FILE, which receives one line of RSS and descriptors per 250 requests.
/// </summary>
[Collection("Console")]
public class ServeSoakTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>
{
    private static readonly int[] Documented = [200, 400, 413, 415, 422, 429, 503];

    private static int OpenDescriptors(int pid) => Descriptors(pid).Count;

    /// <summary>
    /// What each open descriptor points at (socket:[inode], a file, pipe:[inode], ...), without the runtime's own
    /// assemblies and native libraries: one the process loads late (System.Collections.NonGeneric.dll, first needed by
    /// some error path under load) stays open for its lifetime, once, and is not a resource a request holds.
    /// </summary>
    private static List<string> Descriptors(int pid) =>
        Directory
            .GetFiles($"/proc/{pid}/fd")
            .Select(fd =>
            {
                try
                {
                    return new FileInfo(fd).LinkTarget ?? "?";
                }
                catch (IOException)
                {
                    return "gone";
                }
            })
            .Where(t => !t.EndsWith(".dll", StringComparison.Ordinal) && !t.Contains(".so", StringComparison.Ordinal))
            .ToList();

    private static string Kinds(IEnumerable<string> targets) =>
        string.Join(
            ", ",
            targets
                .GroupBy(t =>
                    t.StartsWith("socket:") ? "socket"
                    : t.StartsWith("anon_inode:") ? t
                    : t.StartsWith("pipe:") ? "pipe"
                    : "file"
                )
                .Select(g => $"{g.Key} ×{g.Count()}")
        );

    [Fact]
    public async Task Soak_mixed_uploads_leaves_memory_descriptors_and_temp_files_as_they_were()
    {
        var requests = int.TryParse(Environment.GetEnvironmentVariable("EMOLINGUA_SOAK_REQUESTS"), out var n) ? n : 400;
        var logPath = Environment.GetEnvironmentVariable("EMOLINGUA_SOAK_LOG");
        using var files = new TempDir();
        using var server = ServerProcess.Start(
            "--model",
            Path.GetDirectoryName(bundle.Folder)!,
            "--max-upload-mb",
            "1",
            "--max-seconds",
            "20",
            "--max-concurrent",
            "2",
            "--queue",
            "8"
        );

        byte[] Wav(double seconds, int seed)
        {
            var path = files.File($"clip{seed}.wav");
            TestWav.WritePcm16Mono(path, PredictTests.Varied(seconds, seed), 16000);
            return File.ReadAllBytes(path);
        }
        var good = new[]
        {
            Wav(1.3, 1),
            Wav(2.7, 2),
            Wav(4.1, 3),
            File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fuzz", "seeds", "mp3", "vbr44k.mp3")),
        };
        var rng = new Random(5);
        var junk = new byte[3000];
        rng.NextBytes(junk);
        var truncated = good[2][..(good[2].Length * 3 / 5)];
        var loud = File.ReadAllBytes(NonFiniteOutputTests.LoudWav(files));
        byte[] cutMultipart =
        [
            .. "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"u8,
            .. good[0][..2000],
        ];
        var tooLong = Wav(25, 4); // 800 KB: under the upload limit, over --max-seconds
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();

        async Task One(HttpClient http, int i)
        {
            var kind = i % 10;
            if (kind == 9)
            {
                // The client gives up mid-body: headers and half the body, then a reset.
                using var tcp = new TcpClient { LingerState = new LingerOption(true, 0) };
                await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
                var body = good[i % 3];
                var stream = tcp.GetStream();
                await stream.WriteAsync(
                    Encoding.ASCII.GetBytes(
                        $"POST /api/predict HTTP/1.1\r\nHost: {server.BaseUri.Authority}\r\nContent-Length: {body.Length}\r\n\r\n"
                    )
                );
                await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
                await Task.Delay(20);
                return;
            }
            HttpContent content = kind switch
            {
                <= 3 => new ByteArrayContent(good[kind]),
                4 => new ByteArrayContent(junk),
                5 => new ByteArrayContent(truncated),
                6 => new ByteArrayContent(loud),
                7 => new ByteArrayContent(cutMultipart)
                {
                    Headers = { { "Content-Type", "multipart/form-data; boundary=b" } },
                },
                _ => new ByteArrayContent(tooLong),
            };
            using var response = await http.PostAsync("api/predict", content);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
            var json = response.Content.Headers.ContentType?.MediaType == "application/json";
            var expected = kind switch
            {
                <= 3 => status is 200 or 503,
                4 or 5 or 6 => status is 415 or 503,
                7 => status is 400 or 503,
                _ => status is 413 or 503,
            };
            if (!expected || !json || text.Contains("NaN") || !Documented.Contains(status))
                wrong.Add($"request {i} (kind {kind}): {status} {text}");
        }

        async Task Run(int from, int count)
        {
            using var http = server.Client(TimeSpan.FromSeconds(60));
            var next = from;
            await Task.WhenAll(
                Enumerable
                    .Range(0, 4)
                    .Select(async _ =>
                    {
                        int i;
                        while ((i = Interlocked.Increment(ref next) - 1) < from + count)
                            await One(http, i);
                    })
            );
        }

        List<string> warmTargets = [],
            endTargets = [];
        async Task<(long Rss, int Fds)> Settled(List<string> targets)
        {
            await server.WaitForHealthAsync(0);
            await Task.Delay(1500); // aborted connections closed, pooled client connections gone
            targets.AddRange(Descriptors(server.Pid));
            return (server.Memory().Rss, targets.Count);
        }

        await Run(0, 60); // warm-up: JIT, libtorch's pools, the thread pool
        var (warmRss, warmFds) = await Settled(warmTargets);
        var log = new StringBuilder($"requests,rss_mb,fds\n0,{warmRss / 1e6:0.0},{warmFds}\n");
        var watch = Stopwatch.StartNew();
        for (var done = 0; done < requests; done += 250)
        {
            await Run(60 + done, Math.Min(250, requests - done));
            if (logPath != null)
            {
                log.Append(
                    $"{done + Math.Min(250, requests - done)},{server.Memory().Rss / 1e6:0.0},{OpenDescriptors(server.Pid)}\n"
                );
                File.WriteAllText(logPath, log.ToString());
            }
        }
        var (endRss, endFds) = await Settled(endTargets);
        // Once in a few runs, two pipe pairs (an ffmpeg child's, by their number) were still open 1.5 s after the last
        // answer: give the count up to 10 s more to come back before calling it a leak; a leak stays.
        for (
            var deadline = DateTime.UtcNow.AddSeconds(10);
            endFds > warmFds && DateTime.UtcNow < deadline;
            await Task.Delay(250)
        )
        {
            endTargets = Descriptors(server.Pid);
            endFds = endTargets.Count;
        }
        log.Append($"end,{endRss / 1e6:0.0},{endFds}\n");
        if (logPath != null)
            File.WriteAllText(logPath, log.ToString());

        Assert.True(wrong.IsEmpty, $"{wrong.Count} undocumented answers, e.g. {string.Join("\n", wrong.Take(5))}");
        Assert.True(
            statuses.GetValueOrDefault(200) >= requests / 10,
            $"too few predictions succeeded: {string.Join(", ", statuses)}"
        );
        Assert.True(
            endRss - warmRss < 50_000_000,
            $"RSS grew from {warmRss / 1e6:0} MB after warm-up to {endRss / 1e6:0} MB after {requests} requests in {watch.Elapsed.TotalSeconds:0} s"
        );
        // One pipe pair opened once and kept (seen in 1 of 3 full runs: 27 -> 29, two pipes, for 10 s and more) is the
        // runtime's, not a leak: a descriptor leaked per request, or per kind of request, would be dozens over 400
        // requests. Anything else new (a file, a socket, a third pipe) fails.
        var added = endTargets.Except(warmTargets).ToList();
        var allowance =
            endFds - warmFds <= 2 && added.All(t => t.StartsWith("pipe:", StringComparison.Ordinal)) ? 2 : 0;
        Assert.True(
            endFds <= warmFds + allowance,
            $"open descriptors: {warmFds} after warm-up ({Kinds(warmTargets)}), {endFds} at the end ({Kinds(endTargets)}); new: {string.Join(", ", endTargets.Except(warmTargets))}"
        );
        Assert.Empty(server.TemporaryFiles);
        Assert.Equal(
            "ok",
            System
                .Text.Json.JsonDocument.Parse(await server.Client().GetStringAsync("api/health"))
                .RootElement.GetProperty("status")
                .GetString()
        );
    }
}
