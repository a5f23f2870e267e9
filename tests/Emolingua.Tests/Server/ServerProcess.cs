using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Emolingua.Tests.Cli;

namespace Emolingua.Tests.Server;

/// <summary>
/// `emolingua serve` as a child process of the real CLI on 127.0.0.1 and a free port (--port 0; the port is read
/// from Kestrel's "Now listening on" line). Collects the log, sends signals, reads its memory from /proc.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = [];
    private readonly StringBuilder _stderr = new();

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");
    public int Pid => _process.Id;

    private readonly TempDir _temp;

    private ServerProcess(Process process, TempDir temp)
    {
        _process = process;
        _temp = temp;
    }

    /// <summary>The spooled uploads in the server's temporary folder (its TMPDIR, which also holds .NET's diagnostics
    /// socket).</summary>
    public string[] TemporaryFiles => Directory.GetFiles(_temp.Path, "emolingua-upload-*");

    /// <param name="serveArguments">Everything after "serve" except the port.</param>
    public static ServerProcess Start(params string[] serveArguments) =>
        Start(new Dictionary<string, string?>(), serveArguments);

    /// <param name="environment">Environment changes for the server (a null value removes the variable).</param>
    /// <param name="serveArguments">Everything after "serve" except the port.</param>
    public static ServerProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] serveArguments)
    {
        var temp = new TempDir();
        var start = CliHarness.ChildStartInfo(environment, ["serve", .. serveArguments, "--port", "0"]);
        start.Environment["TMPDIR"] = temp.Path; // uploads are spooled here: a test can see that none is left behind
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new ServerProcess(process, temp);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null)
                return;
            lock (server._log)
                server._log.Add(e.Data);
            var m = ListeningLine().Match(e.Data);
            if (m.Success)
                listening.TrySetResult(new Uri(m.Groups[1].Value + "/"));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
            {
                lock (server._stderr)
                    server._stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (Task.WaitAny([listening.Task, exited], TimeSpan.FromSeconds(90)) != 0)
        {
            var running = !process.HasExited;
            if (running)
                process.Kill(entireProcessTree: true);
            temp.Dispose();
            Assert.Fail(
                $"serve did not start ({(running ? "timed out" : $"exit code {process.ExitCode}")}): {server.StandardError}\n{string.Join('\n', server.Log)}"
            );
        }
        server.BaseUri = listening.Task.Result;
        return server;
    }

    [GeneratedRegex(@"Now listening on: (https?://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
                return _log.ToList();
        }
    }
    public string StandardError
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    public HttpClient Client(TimeSpan? timeout = null) =>
        new() { BaseAddress = BaseUri, Timeout = timeout ?? TimeSpan.FromSeconds(60) };

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public const int SigTerm = 15;

    public void Signal(int signal) => Assert.Equal(0, kill(Pid, signal));

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public int ExitCode => _process.ExitCode;

    /// <summary>Resident memory now (VmRSS) and at its peak so far (VmHWM), in bytes.</summary>
    public (long Rss, long Peak) Memory()
    {
        long Field(string[] lines, string name) =>
            long.Parse(
                lines
                    .Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..]
                    .Trim()
                    .Split(' ')[0]
            ) * 1024;
        var status = File.ReadAllLines($"/proc/{Pid}/status");
        return (Field(status, "VmRSS"), Field(status, "VmHWM"));
    }

    /// <summary>Waits until the log holds a line matching <paramref name="predicate"/> (the console logger writes
    /// asynchronously).</summary>
    public IReadOnlyList<string> WaitForLog(Func<IReadOnlyList<string>, bool> predicate, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var log = Log;
            if (predicate(log))
                return log;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"log never showed {what}:\n{string.Join('\n', log.TakeLast(20))}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Polls /api/health until nothing runs and <paramref name="waiting"/> requests are admitted (uploading or
    /// queued).</summary>
    public async Task WaitForHealthAsync(int waiting)
    {
        using var http = Client();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string health;
        do
        {
            health = await http.GetStringAsync("api/health");
            using var doc = System.Text.Json.JsonDocument.Parse(health);
            if (
                doc.RootElement.GetProperty("waiting").GetInt32() == waiting
                && doc.RootElement.GetProperty("running").GetInt32() == 0
            )
            {
                return;
            }

            await Task.Delay(25);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"health never showed {waiting} waiting: {health}");
    }

    public void Dispose()
    {
        // Only this process, by its handle: the one the test started.
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _temp.Dispose();
    }
}

/// <summary>
/// An HTTP/1.1 POST written by hand on a socket so that a test controls when the body arrives: the server admits the
/// request when the headers come, and the request stays in flight until <see cref="FinishAsync"/> sends the rest.
/// </summary>
public sealed class HeldUpload : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _rest;

    private HeldUpload(TcpClient tcp, byte[] rest)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _rest = rest;
    }

    /// <summary>Sends the headers and the first <paramref name="sendNow"/> bytes of <paramref name="body"/>.</summary>
    public static HeldUpload Begin(Uri baseUri, byte[] body, int sendNow)
    {
        var tcp = new TcpClient();
        tcp.Connect(baseUri.Host, baseUri.Port);
        var upload = new HeldUpload(tcp, body[sendNow..]);
        var head =
            $"POST /api/predict HTTP/1.1\r\nHost: {baseUri.Authority}\r\nContent-Type: audio/wav\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        upload._stream.Write(Encoding.ASCII.GetBytes(head));
        upload._stream.Write(body, 0, sendNow);
        upload._stream.Flush();
        return upload;
    }

    /// <summary>Sends the rest of the body and reads the whole response: status code and body.</summary>
    public async Task<(int Status, string Body)> FinishAsync()
    {
        await _stream.WriteAsync(_rest);
        await _stream.FlushAsync();
        using var reader = new StreamReader(_stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var status = int.Parse(response.Split(' ', 3)[1]);
        var bodyStart = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (bodyStart < 0)
            return (status, "");
        var head = response[..bodyStart];
        var body = response[(bodyStart + 4)..];
        return (
            status,
            head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Unchunk(body) : body
        );
    }

    /// <summary>The payload of a chunked body (hex size line, data, CRLF; ends with a zero-size chunk). ASCII JSON
    /// only.</summary>
    private static string Unchunk(string body)
    {
        var payload = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[at..lineEnd].Split(';')[0], 16);
            if (size == 0)
                return payload.ToString();
            payload.Append(body, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    public void Dispose() => _tcp.Dispose();
}
