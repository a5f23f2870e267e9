using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Emolingua.Tests.Cli;

namespace Emolingua.Tests.Server;

/// <summary>Starting and stopping `emolingua serve`: bad options, a port in use, and SIGTERM with a request in
/// flight.</summary>
[Collection("Console")]
public class ServeLifecycleTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>
{
    private string RunDir => Path.GetDirectoryName(bundle.Folder)!;

    [Theory]
    [InlineData("--port", "70000", "--port: 70000 must be between 0 and 65535")]
    [InlineData("--max-concurrent", "0", "--max-concurrent: 0 must be at least 1")]
    [InlineData("--queue", "-1", "--queue: -1 must be at least 0")]
    [InlineData("--max-upload-mb", "0", "--max-upload-mb: 0 must be positive")]
    [InlineData("--max-seconds", "abc", "--max-seconds: 'abc' is not a valid number")]
    [InlineData("--host", "example.org", "--host: 'example.org' must be an IP address")]
    [InlineData("--colour", "red", "'--colour'")]
    public void BadOption_OneErrorLine_NonZeroExit(string option, string value, string message)
    {
        var r = CliHarness.RunInProcess("serve", "--model", RunDir, option, value);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Single(r.ErrLines);
        Assert.StartsWith("error: ", r.ErrLines[0]);
        Assert.Contains(message, r.ErrLines[0]);
    }

    [Fact]
    public void MissingModel_OneErrorLine_NonZeroExit()
    {
        var missing = Path.Combine(bundle.Dir.Path, "no-such-run");
        var r = CliHarness.RunInProcess("serve", "--model", missing);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.StartsWith("error: ", r.ErrLines[0]);
        Assert.Contains("no-such-run", r.ErrLines[0]);
    }

    [Fact]
    public void PortInUse_OneErrorLine_NonZeroExit()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var r = CliHarness.RunChild("serve", "--model", RunDir, "--port", port.ToString());
        Assert.NotEqual(0, r.ExitCode);
        var errors = r.ErrLines.Where(l => l.StartsWith("error: ")).ToList();
        Assert.Single(errors);
        Assert.Contains($"127.0.0.1:{port}", errors[0]);
        Assert.Contains("address already in use", errors[0]);
        Assert.DoesNotContain("   at ", r.Err); // no stack trace
    }

    [Fact]
    public async Task SigTerm_StopsAccepting_DrainsTheRequestInFlight_ExitsZero()
    {
        using var server = ServerProcess.Start("--model", RunDir);
        using var dir = new TempDir();
        var wav = dir.File("clip.wav");
        TestWav.WritePcm16Mono(wav, TestWav.Voiced(1.5, 16000, 9), 16000);
        var body = File.ReadAllBytes(wav);

        using var inFlight = HeldUpload.Begin(server.BaseUri, body, 2000);
        await server.WaitForHealthAsync(waiting: 1);
        server.Signal(ServerProcess.SigTerm);
        server.WaitForLog(log => log.Any(l => l.Contains("Application is shutting down")), "the shutdown line");

        // New connections are refused while the admitted request is still being uploaded.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var probe = new TcpClient();
            try
            {
                probe.Connect(server.BaseUri.Host, server.BaseUri.Port);
            }
            catch (SocketException)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the server still accepts connections after SIGTERM");
            await Task.Delay(50);
        }
        Assert.False(server.WaitForExit(TimeSpan.FromMilliseconds(300)), "the server exited with a request in flight");

        var (status, text) = await inFlight.FinishAsync();
        Assert.True(status == 200, text);
        using var answer = JsonDocument.Parse(text);
        Assert.Equal(1.5, answer.RootElement.GetProperty("duration_s").GetDouble(), 6);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)), "the server did not exit after draining");
        Assert.Equal(0, server.ExitCode);
    }
}
