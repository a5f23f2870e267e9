using System.Net;
using System.Security.Cryptography;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Util;

namespace Emolingua.Tests.Inference;

/// <summary>
/// Models by hub id against a local server on loopback that answers as the Hugging Face hub does: HEAD on
/// resolve/main/model.onnx gives the commit and the file's sha256 and redirects to the file store; GET follows.
/// </summary>
[Collection("HuggingFaceEnvironment")]
public class HubModelTests(WhisperFixtureBundle bundle) : IClassFixture<WhisperFixtureBundle>
{
    private sealed class FakeHub : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serve;
        public List<string> Requests { get; } = [];
        public List<string?> Authorizations { get; } = [];
        public string Endpoint { get; }

        public FakeHub(byte[] file, string sha256)
        {
            var port = FreePort();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _serve = Task.Run(() =>
            {
                for (var i = 0; i < 20; i++) // bounded: no test makes more requests
                {
                    HttpListenerContext ctx;
                    try
                    {
                        ctx = _listener.GetContext();
                    }
                    catch (HttpListenerException)
                    {
                        return;
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    var path = ctx.Request.Url!.AbsolutePath;
                    lock (Requests)
                    {
                        Requests.Add($"{ctx.Request.HttpMethod} {path}");
                        Authorizations.Add(ctx.Request.Headers["Authorization"]);
                    }
                    if (path == "/acme/emo/resolve/main/model.onnx")
                    {
                        ctx.Response.StatusCode = 302;
                        ctx.Response.Headers["Location"] = "/store/blob";
                        ctx.Response.Headers["X-Repo-Commit"] = "c0ffee";
                        ctx.Response.Headers["X-Linked-Etag"] = $"\"{sha256}\"";
                        ctx.Response.Headers["X-Linked-Size"] = file.Length.ToString();
                    }
                    else if (path == "/store/blob" && ctx.Request.HttpMethod == "GET")
                    {
                        ctx.Response.OutputStream.Write(file);
                    }
                    else
                    {
                        ctx.Response.StatusCode = 404;
                    }

                    ctx.Response.Close();
                }
            });
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _serve.Wait(TimeSpan.FromSeconds(10));
        }
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static void WithEnvironment(Dictionary<string, string?> values, Action run)
    {
        var old = values.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (k, v) in values)
                Environment.SetEnvironmentVariable(k, v);
            run();
        }
        finally
        {
            foreach (var (k, v) in old)
                Environment.SetEnvironmentVariable(k, v);
        }
    }

    private static float[] Clip() =>
        Enumerable.Range(0, 16000 * 6).Select(i => 0.3f * MathF.Sin(i * 0.05f) * MathF.Sin(i * 0.0003f)).ToArray();

    [Fact]
    public void LoadByHubId_DownloadsIntoTheCache_CheckedBySha256_AndPredictsAsTheFile()
    {
        var bytes = File.ReadAllBytes(bundle.OnnxPath);
        using var hub = new FakeHub(bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        using var cache = new TempDir();
        EmotionPrediction? byId = null;
        WithEnvironment(
            new()
            {
                ["HF_HUB_CACHE"] = cache.Path,
                ["HF_HOME"] = null,
                ["HF_ENDPOINT"] = hub.Endpoint,
                ["HF_TOKEN"] = "hf_test",
                ["HF_HUB_OFFLINE"] = null,
            },
            () =>
            {
                using var recognizer = EmotionRecognizer.Load("acme/emo");
                byId = recognizer.Predict(Clip(), 16000);
            }
        );
        var cached = Path.Combine(cache.Path, "models--acme--emo", "snapshots", "c0ffee", "model.onnx");
        Assert.Equal(bytes, File.ReadAllBytes(cached));
        Assert.Equal("c0ffee", File.ReadAllText(Path.Combine(cache.Path, "models--acme--emo", "refs", "main")));
        Assert.Equal(
            ["HEAD /acme/emo/resolve/main/model.onnx", "GET /acme/emo/resolve/main/model.onnx", "GET /store/blob"],
            hub.Requests
        );
        Assert.Equal("Bearer hf_test", hub.Authorizations[0]);

        using var fromFile = EmotionRecognizer.Load(bundle.OnnxPath);
        var expected = fromFile.Predict(Clip(), 16000);
        Assert.Equal(expected.Label, byId!.Label);
        foreach (var l in fromFile.Labels)
            Assert.Equal(expected.Probabilities[l], byId.Probabilities[l]);

        // Offline, the cached copy is used and the hub is not asked again.
        WithEnvironment(
            new()
            {
                ["HF_HUB_CACHE"] = cache.Path,
                ["HF_ENDPOINT"] = hub.Endpoint,
                ["HF_HUB_OFFLINE"] = "1",
            },
            () =>
            {
                using var again = EmotionRecognizer.Load("acme/emo");
                Assert.Equal(expected.Label, again.Predict(Clip(), 16000).Label);
            }
        );
        Assert.Equal(3, hub.Requests.Count);
    }

    [Fact]
    public void AFileWhoseSha256DiffersFromTheHubs_IsRefusedAndNotKept()
    {
        var bytes = File.ReadAllBytes(bundle.OnnxPath);
        using var hub = new FakeHub(bytes, new string('0', 64));
        using var cache = new TempDir();
        WithEnvironment(
            new()
            {
                ["HF_HUB_CACHE"] = cache.Path,
                ["HF_ENDPOINT"] = hub.Endpoint,
                ["HF_TOKEN"] = null,
                ["HF_HUB_OFFLINE"] = null,
            },
            () =>
            {
                var e = Assert.Throws<EmolinguaException>(() => EmotionRecognizer.Load("acme/emo"));
                Assert.StartsWith("acme/emo: not a local file or folder; as a hub id: model.onnx: sha256 ", e.Message);
                Assert.Contains("differs from the hub's 0000", e.Message);
            }
        );
        Assert.Empty(Directory.EnumerateFiles(cache.Path, "*", SearchOption.AllDirectories));
        Assert.Null(hub.Authorizations[0]);
    }

    [Fact]
    public void Offline_WithoutACachedCopy_SaysSo()
    {
        using var cache = new TempDir();
        WithEnvironment(new() { ["HF_HUB_CACHE"] = cache.Path, ["HF_HUB_OFFLINE"] = "1" }, () =>
        {
            var e = Assert.Throws<EmolinguaException>(() => EmotionRecognizer.Load("acme/not-cached"));
            Assert.StartsWith("acme/not-cached: ", e.Message);
            Assert.Contains("HF_HUB_OFFLINE", e.Message);
        });
    }
}
