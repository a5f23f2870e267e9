using System.Net;
using System.Text.Json.Nodes;
using Emolingua.Models;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Models;

[CollectionDefinition("HuggingFaceEnvironment", DisableParallelization = true)]
public class HuggingFaceEnvironmentCollection;

public class WhisperCheckpointTests
{
    [Theory]
    [InlineData("model.encoder.layers.0.fc1.weight", "layers.0.fc1.weight")]
    [InlineData("encoder.conv1.bias", "conv1.bias")]
    [InlineData("conv2.weight", "conv2.weight")]
    [InlineData("model.decoder.embed_tokens.weight", null)]
    [InlineData("proj_out.weight", null)]
    public void MapsCheckpointKeysToEncoderNames(string key, string? expected) =>
        Assert.Equal(expected, WhisperCheckpoint.EncoderKey(key));

    [Fact]
    public void FixtureHoldsDecoderTensorsThatAreSkipped()
    {
        var st = SafeTensors.Open(Path.Combine(Fixtures.TinyModel, "model.safetensors"));
        Assert.Contains(st.Entries.Keys, k => k.StartsWith("model.decoder."));
        var checkpoint = WhisperCheckpoint.Resolve(Fixtures.TinyModel);
        Assert.Equal(new WhisperConfig(64, 2, 4, 256, 80, 1500), checkpoint.Config);
        using var encoder = checkpoint.LoadEncoder(200);
        // The loaded rows are the checkpoint's first 200 rows of its 1500-row table.
        var table = st.ReadFloat32("model.encoder.embed_positions.weight");
        Assert.Equal(1500 * 64, table.Length);
        Assert.Equal(table.Take(200 * 64), encoder.embed_positions.weight!.data<float>().ToArray());
    }

    /// <summary>Copies the fixture's encoder tensors with new names/dtypes into another folder layout.</summary>
    private static Dictionary<string, (float[], long[])> FixtureEncoderTensors(Func<string, string?> rename)
    {
        var st = SafeTensors.Open(Path.Combine(Fixtures.TinyModel, "model.safetensors"));
        var result = new Dictionary<string, (float[], long[])>();
        foreach (var (key, entry) in st.Entries)
        {
            if (rename(key) is { } name)
                result[name] = (st.ReadFloat32(key), entry.Shape);
        }

        return result;
    }

    private static float[] PooledOf(WhisperCheckpoint checkpoint)
    {
        using var encoder = checkpoint.LoadEncoder(150);
        using var noGrad = no_grad();
        using var mel = Emolingua.Features.WhisperLogMel.Compute(
            Emolingua.Features.WhisperLogMel.Batch(
                new[] { TestWav.ReadPcm16Mono(Fixtures.Input("voiced_5p5s.wav")) },
                3
            )
        );
        using var pooled = encoder.Embed(mel);
        return pooled.data<float>().ToArray();
    }

    [Fact]
    public void LoadsShardedCheckpointWithoutModelPrefix()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(Fixtures.TinyModel, "config.json"), dir.File("config.json"));
        var tensors = FixtureEncoderTensors(k => k.StartsWith("model.encoder.") ? k["model.".Length..] : null);
        var first = tensors.Where(t => t.Key.Contains("layers.0")).ToDictionary();
        var second = tensors.Where(t => !t.Key.Contains("layers.0")).ToDictionary();
        SafeTensors.WriteFloat32(dir.File("model-00001-of-00002.safetensors"), first);
        SafeTensors.WriteFloat32(dir.File("model-00002-of-00002.safetensors"), second);
        var map = new JsonObject();
        foreach (var k in first.Keys)
            map[k] = "model-00001-of-00002.safetensors";
        foreach (var k in second.Keys)
            map[k] = "model-00002-of-00002.safetensors";
        File.WriteAllText(
            dir.File("model.safetensors.index.json"),
            new JsonObject { ["weight_map"] = map }.ToJsonString()
        );

        var expected = Npy.Read(Fixtures.Expected("pooled_voiced_5p5s_3s.npy")).Data;
        var actual = PooledOf(WhisperCheckpoint.Resolve(dir.Path));
        Assert.True(expected.Zip(actual, (a, b) => MathF.Abs(a - b)).Max() <= 1e-4f);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(Fixtures.TinyModel, "config.json"), dir.File("config.json"));
        var tensors = FixtureEncoderTensors(k => k == "model.encoder.layers.1.fc2.bias" ? null : k);
        SafeTensors.WriteFloat32(dir.File("model.safetensors"), tensors);
        var e = Assert.Throws<EmolinguaException>(() => WhisperCheckpoint.Resolve(dir.Path).LoadEncoder(150));
        Assert.Contains("layers.1.fc2.bias", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void WrongShapeIsNamed()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(Fixtures.TinyModel, "config.json"), dir.File("config.json"));
        var tensors = FixtureEncoderTensors(k => k);
        tensors["model.encoder.layers.0.fc1.weight"] = (new float[10 * 64], new long[] { 10, 64 });
        SafeTensors.WriteFloat32(dir.File("model.safetensors"), tensors);
        var e = Assert.Throws<EmolinguaException>(() => WhisperCheckpoint.Resolve(dir.Path).LoadEncoder(150));
        Assert.Contains("model.encoder.layers.0.fc1.weight", e.Message);
        Assert.Contains("[10, 64]", e.Message);
        Assert.Contains("[256, 64]", e.Message);
    }

    [Fact]
    public void UnknownModelArgumentIsReported()
    {
        var e = Assert.Throws<EmolinguaException>(() => WhisperCheckpoint.Resolve("/no/such/dir"));
        Assert.Contains("/no/such/dir", e.Message);
    }
}

[Collection("HuggingFaceEnvironment")]
public class HuggingFaceHubTests
{
    private static void CopyFixtureTo(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(Fixtures.TinyModel, f), Path.Combine(folder, f));
    }

    [Fact]
    public void ResolvesHubIdFromCacheViaRefsMain()
    {
        using var dir = new TempDir();
        var repo = Path.Combine(dir.Path, "hub", "models--openai--whisper-tiny-test");
        CopyFixtureTo(Path.Combine(repo, "snapshots", "abc123"));
        Directory.CreateDirectory(Path.Combine(repo, "snapshots", "zzz-incomplete"));
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), "abc123\n");
        var old = (Environment.GetEnvironmentVariable("HF_HUB_CACHE"), Environment.GetEnvironmentVariable("HF_HOME"));
        try
        {
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", null);
            Environment.SetEnvironmentVariable("HF_HOME", dir.Path);
            var checkpoint = WhisperCheckpoint.Resolve("openai/whisper-tiny-test");
            Assert.Equal(Path.Combine(repo, "snapshots", "abc123"), checkpoint.Folder);
            Environment.SetEnvironmentVariable("HF_HOME", null);
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", Path.Combine(dir.Path, "hub"));
            Assert.Equal(checkpoint.Folder, WhisperCheckpoint.Resolve("openai/whisper-tiny-test").Folder);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", old.Item1);
            Environment.SetEnvironmentVariable("HF_HOME", old.Item2);
        }
    }

    [Fact]
    public void DownloadsIntoCacheFromLocalHubServer()
    {
        using var dir = new TempDir();
        var fixtureFolder = Fixtures.TinyModel; // resolved here: a failure must not happen inside the server task
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var requests = new List<string>();
        var server = Task.Run(() =>
        {
            for (var i = 0; i < 3; i++)
            {
                var ctx = listener.GetContext();
                var path = ctx.Request.Url!.AbsolutePath;
                lock (requests)
                    requests.Add(path);
                var file = Path.Combine(fixtureFolder, Path.GetFileName(path));
                if (path.StartsWith("/acme/whisper-mini/resolve/main/") && File.Exists(file))
                {
                    ctx.Response.Headers["X-Repo-Commit"] = "c0ffee";
                    var bytes = File.ReadAllBytes(file);
                    ctx.Response.OutputStream.Write(bytes);
                }
                else
                {
                    ctx.Response.StatusCode = 404;
                }

                ctx.Response.Close();
            }
        });
        var old = Environment.GetEnvironmentVariable("HF_HUB_CACHE");
        try
        {
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", dir.Path);
            var downloader = new HubDownloader(
                $"http://127.0.0.1:{port}",
                log: _ => { },
                timeout: TimeSpan.FromSeconds(30)
            );
            var checkpoint = WhisperCheckpoint.Resolve("acme/whisper-mini", downloader);
            Assert.Equal(
                Path.Combine(dir.Path, "models--acme--whisper-mini", "snapshots", "c0ffee"),
                checkpoint.Folder
            );
            Assert.Equal(
                "c0ffee",
                File.ReadAllText(Path.Combine(dir.Path, "models--acme--whisper-mini", "refs", "main"))
            );
            Assert.Equal(
                File.ReadAllBytes(Path.Combine(Fixtures.TinyModel, "model.safetensors")),
                File.ReadAllBytes(Path.Combine(checkpoint.Folder, "model.safetensors"))
            );
            // A second resolve is served from the cache (the server would not answer a fourth request).
            Assert.Equal(checkpoint.Folder, WhisperCheckpoint.Resolve("acme/whisper-mini", downloader).Folder);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", old);
            listener.Stop();
        }
        Assert.Equal(
            new[]
            {
                "/acme/whisper-mini/resolve/main/config.json",
                "/acme/whisper-mini/resolve/main/model.safetensors",
            },
            requests.Take(2)
        );
    }

    [Fact]
    public void OfflineModeReportsMissingCacheEntry()
    {
        using var dir = new TempDir();
        var old = (
            Environment.GetEnvironmentVariable("HF_HUB_CACHE"),
            Environment.GetEnvironmentVariable("HF_HUB_OFFLINE")
        );
        try
        {
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", dir.Path);
            Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", "1");
            var e = Assert.Throws<EmolinguaException>(() => WhisperCheckpoint.Resolve("openai/whisper-small.en"));
            Assert.Contains("openai/whisper-small.en", e.Message);
            Assert.Contains("HF_HUB_OFFLINE", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", old.Item1);
            Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", old.Item2);
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
}
