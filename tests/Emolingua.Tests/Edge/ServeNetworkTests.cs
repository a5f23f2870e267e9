using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Emolingua.Server;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Server;

namespace Emolingua.Tests.Edge;

/// <summary>A self-signed certificate for 127.0.0.1 made by the test (PEM files), and the API keys file.</summary>
public sealed class EdgeFiles : IDisposable
{
    public TinyBundleFixture Bundle { get; } = new();
    public TempDir Dir { get; } = new();
    public string RunDir => Path.GetDirectoryName(Bundle.Folder)!;
    public string CertFile => Dir.File("cert.pem");
    public string KeyFile => Dir.File("key.pem");
    public string KeysFile => Dir.File("keys.txt");
    public X509Certificate2 Certificate { get; }
    public const string KeyA = "key-a-0123456789abcdef",
        KeyB = "key-b-fedcba9876543210";

    public EdgeFiles()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(CertFile, Certificate.ExportCertificatePem());
        File.WriteAllText(KeyFile, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(KeysFile, $"# keys of the test\n{KeyA}\n\n  {KeyB}  \n");
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Bundle.Dispose();
        Dir.Dispose();
    }
}

/// <summary>
/// `serve` facing a network: API keys, the refusal to bind beyond loopback without them, HTTPS from PEM files (an
/// HttpClient that trusts exactly the test's self-signed certificate), the per-client rate limit, slow clients and
/// the security headers. Servers are the real CLI on 127.0.0.1.
/// </summary>
[Collection("Console")]
public class ServeNetworkTests(EdgeFiles files) : IClassFixture<EdgeFiles>
{
    private static async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> Send(
        HttpClient http,
        HttpMethod method,
        string path,
        string? key = null,
        HttpContent? content = null
    )
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key != null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (
            (int)response.StatusCode,
            text.Length > 0 && text.TrimStart().StartsWith('{')
                ? JsonDocument.Parse(text).RootElement.Clone()
                : default,
            response
        );
    }

    private byte[] Speech()
    {
        var path = files.Dir.File($"speech-{Guid.NewGuid():N}.wav");
        TestWav.WritePcm16Mono(path, PredictTests.Varied(1.2, 9), 16000);
        return File.ReadAllBytes(path);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.0.2.1")]
    public void Refuses_to_bind_beyond_loopback_without_keys(string host)
    {
        var r = CliHarness.RunChild("serve", "--model", files.RunDir, "--host", host, "--port", "0");
        CliHarness.AssertOneLineError(r, "--host", host, "--api-key-file", "--allow-anonymous");
    }

    [Fact]
    public void Option_errors_are_one_line()
    {
        CliHarness.AssertOneLineError(
            CliHarness.RunChild("serve", "--model", files.RunDir, "--tls-cert", files.CertFile),
            "--tls-cert",
            "--tls-key"
        );
        CliHarness.AssertOneLineError(
            CliHarness.RunChild("serve", "--model", files.RunDir, "--api-key-file", files.Dir.File("none.txt")),
            "none.txt",
            "not found"
        );
        var shortKeys = files.Dir.File("short.txt");
        File.WriteAllText(shortKeys, "abc\n");
        CliHarness.AssertOneLineError(
            CliHarness.RunChild("serve", "--model", files.RunDir, "--api-key-file", shortKeys, "--port", "0"),
            "short.txt",
            "at least 16"
        );
        var badPem = files.Dir.File("bad.pem");
        File.WriteAllText(badPem, "not a certificate");
        CliHarness.AssertOneLineError(
            CliHarness.RunChild(
                "serve",
                "--model",
                files.RunDir,
                "--tls-cert",
                badPem,
                "--tls-key",
                files.KeyFile,
                "--port",
                "0"
            ),
            "bad.pem",
            "PEM"
        );
    }

    [Fact]
    public void Keys_match_by_digest_and_any_key_of_the_file_works()
    {
        var keys = ApiKeys.Load(files.KeysFile);
        Assert.Equal(2, keys.Count);
        Assert.Equal(0, keys.Find(EdgeFiles.KeyA));
        Assert.Equal(1, keys.Find(EdgeFiles.KeyB));
        Assert.Null(keys.Find(EdgeFiles.KeyA + "x"));
        Assert.Null(keys.Find(EdgeFiles.KeyA[..^1]));
        Assert.Null(keys.Find(""));
        Assert.Null(keys.Find(null));
    }

    /// <summary>One HTTPS server with keys and a limit of 4 requests a minute; the checks run in order on it.</summary>
    [Fact]
    public async Task Https_with_api_keys_and_a_per_client_rate_limit()
    {
        using var server = ServerProcess.Start(
            "--model",
            files.RunDir,
            "--tls-cert",
            files.CertFile,
            "--tls-key",
            files.KeyFile,
            "--api-key-file",
            files.KeysFile,
            "--rate-limit",
            "4"
        );
        Assert.Equal("https", server.BaseUri.Scheme);
        var thumbprint = files.Certificate.Thumbprint;
        using var handler = new HttpClientHandler
        {
            // Trust exactly the test's certificate (it is in no trust store).
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == thumbprint,
        };
        using var http = new HttpClient(handler) { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(60) };

        // Health is open to probes, over TLS, with HSTS; the page too.
        var (status, body, response) = await Send(http, HttpMethod.Get, "api/health");
        Assert.Equal(200, status);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.True(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal(200, (await Send(http, HttpMethod.Get, "")).Status);

        // Plain HTTP to the TLS port gets no answer as HTTP.
        using (var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            await Assert.ThrowsAnyAsync<Exception>(() =>
                plain.GetStringAsync(new UriBuilder(server.BaseUri) { Scheme = "http" }.Uri + "api/health")
            );
        }

        // Without a key, with a wrong one, under another spelling of the path: 401 with a JSON error.
        foreach (
            var (path, key) in new[]
            {
                ("api/model", (string?)null),
                ("api/model", "wrong-key-0123456789"),
                ("API/Model", null),
            }
        )
        {
            (status, body, response) = await Send(http, HttpMethod.Get, path, key);
            Assert.Equal(401, status);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(key == null ? "needs an API key" : "not accepted", body.GetProperty("error").GetString());
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
        // Those three count against the address: a fourth unauthenticated try, then the fifth is turned away.
        Assert.Equal(
            401,
            (await Send(http, HttpMethod.Post, "api/predict", null, new ByteArrayContent(Speech()))).Status
        );
        (status, body, response) = await Send(http, HttpMethod.Get, "api/model");
        Assert.Equal(429, status);

        // Key A: four requests (one a prediction over HTTPS), then 429 with Retry-After and a JSON error.
        (status, body, _) = await Send(
            http,
            HttpMethod.Post,
            "api/predict",
            EdgeFiles.KeyA,
            new ByteArrayContent(Speech())
        );
        Assert.Equal(200, status);
        Assert.Contains(body.GetProperty("label").GetString(), new[] { "angry", "happy", "neutral", "sad" });
        for (var i = 0; i < 3; i++)
            Assert.Equal(200, (await Send(http, HttpMethod.Get, "api/model", EdgeFiles.KeyA)).Status);
        (status, body, response) = await Send(http, HttpMethod.Get, "api/model", EdgeFiles.KeyA);
        Assert.Equal(429, status);
        Assert.Contains("rate limit", body.GetProperty("error").GetString());
        var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 60);
        // Key B has its own budget; health is never limited.
        Assert.Equal(200, (await Send(http, HttpMethod.Get, "api/model", EdgeFiles.KeyB)).Status);
        for (var i = 0; i < 6; i++)
            Assert.Equal(200, (await Send(http, HttpMethod.Get, "api/health")).Status);
    }

    [Fact]
    public async Task Security_headers_on_api_answers_and_the_page()
    {
        using var server = ServerProcess.Start("--model", files.RunDir);
        using var http = server.Client();
        foreach (var path in new[] { "api/model", "api/health", "" })
        {
            var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.False(response.Headers.Contains("Server"), "a Server header names the software to attackers");
            if (path.StartsWith("api/"))
                Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }
        // Error answers too (a 404 under /api/).
        var missing = await http.GetAsync("api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("no-store", missing.Headers.CacheControl?.ToString());
    }

    /// <summary>
    /// Slowloris: 20 connections that send their headers a byte a second, and 3 uploads that trickle their body at
    /// 100 B/s. Meanwhile normal requests are answered; the slow header senders are dropped after the 10 s headers
    /// timeout and the slow uploads after the minimum data rate's 5 s grace.
    /// </summary>
    [Fact]
    public async Task Slow_clients_are_dropped_while_others_are_served()
    {
        using var server = ServerProcess.Start("--model", files.RunDir, "--queue", "2");
        using var http = server.Client();
        var uri = server.BaseUri;
        var speech = Speech();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));

        async Task<double> Trickle(byte[] head, byte[] slow, int bytesPerTick)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(uri.Host, uri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(head);
            try
            {
                for (var at = 0; at < slow.Length && !stop.IsCancellationRequested; at += bytesPerTick)
                {
                    await stream.WriteAsync(slow.AsMemory(at, Math.Min(bytesPerTick, slow.Length - at)));
                    await Task.Delay(1000, stop.Token);
                    if (tcp.Client.Poll(0, SelectMode.SelectRead) && tcp.Available == 0)
                        return watch.Elapsed.TotalSeconds; // closed by the server
                }
            }
            catch (IOException)
            {
                return watch.Elapsed.TotalSeconds;
            }
            catch (OperationCanceledException) { }
            return double.PositiveInfinity;
        }

        var headerLoris = Enumerable
            .Range(0, 20)
            .Select(i =>
                Trickle(
                    Encoding.ASCII.GetBytes($"GET /api/model HTTP/1.1\r\nHost: {uri.Authority}\r\n"),
                    Encoding.ASCII.GetBytes(new string('x', 60)),
                    1
                )
            )
            .ToList();
        var bodyLoris = Enumerable
            .Range(0, 3)
            .Select(i =>
                Trickle(
                    Encoding.ASCII.GetBytes(
                        $"POST /api/predict HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: audio/wav\r\nContent-Length: {speech.Length}\r\n\r\n"
                    ),
                    speech,
                    100
                )
            )
            .ToList();

        await Task.Delay(2000);
        // While they trickle: health and a real prediction are answered, promptly.
        for (var i = 0; i < 3; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/health")).StatusCode);
            var predict = await http.PostAsync("api/predict", new ByteArrayContent(speech));
            Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
            Assert.True(
                watch.Elapsed < TimeSpan.FromSeconds(15),
                $"a normal request took {watch.Elapsed.TotalSeconds:0.0} s beside the slow clients"
            );
            await Task.Delay(1500);
        }
        var headerDrops = await Task.WhenAll(headerLoris);
        var bodyDrops = await Task.WhenAll(bodyLoris);
        Assert.All(headerDrops, t => Assert.InRange(t, 8, 25)); // headers timeout 10 s
        Assert.All(bodyDrops, t => Assert.InRange(t, 3, 25)); // 4 KB/s after a 5 s grace
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/health")).StatusCode);
    }
}
