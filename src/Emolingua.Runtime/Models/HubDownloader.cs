using System.Net;
using System.Text.Json.Nodes;
using Emolingua.Util;

namespace Emolingua.Models;

/// <summary>
/// Downloads a model's config.json and safetensors weights from a Hugging Face hub endpoint (HF_ENDPOINT, default
/// https://huggingface.co; token from HF_TOKEN) into the local cache layout, atomically per file.
/// </summary>
public sealed class HubDownloader
{
    private readonly HttpClient _http;

    // HEAD requests that stop at the hub's redirect to its file store, whose headers carry the metadata
    private readonly HttpClient _metadata;
    private readonly string _endpoint;
    private readonly Action<string>? _log;

    /// <param name="endpoint">The hub (default HF_ENDPOINT, else https://huggingface.co).</param>
    /// <param name="handler">The HTTP handler (tests); by default a plain one.</param>
    /// <param name="log">Where progress lines go (default stderr).</param>
    /// <param name="timeout">Per request (default 30 minutes).</param>
    public HubDownloader(
        string? endpoint = null,
        HttpMessageHandler? handler = null,
        Action<string>? log = null,
        TimeSpan? timeout = null
    )
    {
        _endpoint = (endpoint ?? Environment.GetEnvironmentVariable("HF_ENDPOINT") ?? "https://huggingface.co").TrimEnd(
            '/'
        );
        _http = handler == null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = timeout ?? TimeSpan.FromMinutes(30); // whisper-small is ~1 GB
        _metadata = handler == null ? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) : _http;
        _metadata.Timeout = _http.Timeout;
        var token = Environment.GetEnvironmentVariable("HF_TOKEN");
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            _metadata.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
        _log = log ?? (m => Console.Error.WriteLine(m));
    }

    /// <returns>The snapshot folder holding the downloaded files.</returns>
    public string Download(string hubId, string revision = "main")
    {
        var repo = HuggingFaceCache.RepoDirectory(hubId);
        _log?.Invoke($"emolingua: downloading {hubId} ({revision}) from {_endpoint} into {repo}");
        var (configBytes, commit) = Get(hubId, revision, "config.json")
            ?? throw new EmolinguaException(hubId, $"not found on {_endpoint} (config.json: 404)");
        var snapshotName = commit ?? revision;
        var snapshot = Path.Combine(repo, "snapshots", snapshotName);
        AtomicFile.WriteAllBytes(Path.Combine(snapshot, "config.json"), configBytes);

        var single = Get(hubId, revision, "model.safetensors");
        if (single is { } s)
        {
            AtomicFile.WriteAllBytes(Path.Combine(snapshot, "model.safetensors"), s.Bytes);
        }
        else
        {
            var (indexBytes, _) = Get(hubId, revision, "model.safetensors.index.json")
                ?? throw new EmolinguaException(
                    hubId,
                    "has neither model.safetensors nor model.safetensors.index.json"
                );
            AtomicFile.WriteAllBytes(Path.Combine(snapshot, "model.safetensors.index.json"), indexBytes);
            var map =
                JsonNode.Parse(indexBytes)?["weight_map"] as JsonObject
                ?? throw new EmolinguaException(hubId, "model.safetensors.index.json has no weight_map");
            foreach (var shard in map.Select(kv => kv.Value!.GetValue<string>()).Distinct())
            {
                var (bytes, _) = Get(hubId, revision, shard)
                    ?? throw new EmolinguaException(hubId, $"shard {shard} not found");
                AtomicFile.WriteAllBytes(Path.Combine(snapshot, shard), bytes);
            }
        }
        if (revision == "main")
            AtomicFile.WriteAllText(Path.Combine(repo, "refs", "main"), snapshotName);
        return snapshot;
    }

    /// <returns>The file's bytes and the repository commit (X-Repo-Commit), or null on 404.</returns>
    private (byte[] Bytes, string? Commit)? Get(string hubId, string revision, string file)
    {
        var url = $"{_endpoint}/{hubId}/resolve/{revision}/{file}";
        HttpResponseMessage response;
        try
        {
            response = _http.GetAsync(url).GetAwaiter().GetResult();
        }
        catch (HttpRequestException e)
        {
            throw new EmolinguaException(hubId, $"download of {file} from {_endpoint} failed: {e.Message}");
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
                return null;
            if (!response.IsSuccessStatusCode)
            {
                throw new EmolinguaException(
                    hubId,
                    $"download of {file} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}"
                );
            }

            var commit = response.Headers.TryGetValues("X-Repo-Commit", out var values)
                ? values.FirstOrDefault()
                : null;
            return (response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult(), commit);
        }
    }

    /// <summary>
    /// Downloads one file of a repository into the cache's snapshot folder (streamed, written atomically) and returns
    /// its path. A HEAD request first reads what the hub says about the file, as huggingface_hub does: the commit
    /// (X-Repo-Commit) names the snapshot, and the sha256 of a large (LFS) file (X-Linked-Etag, or an ETag of 64 hex
    /// digits) is checked against the bytes received; a mismatch keeps nothing.
    /// </summary>
    public string DownloadFile(string hubId, string file, string revision = "main")
    {
        var repo = HuggingFaceCache.RepoDirectory(hubId);
        var url = $"{_endpoint}/{hubId}/resolve/{revision}/{file}";
        _log?.Invoke($"emolingua: downloading {hubId}/{file} ({revision}) from {_endpoint} into {repo}");
        string? commit,
            sha256;
        using (var head = Send(_metadata, new HttpRequestMessage(HttpMethod.Head, url), hubId, file))
        {
            if (head.StatusCode == HttpStatusCode.NotFound)
                throw new EmolinguaException(hubId, $"has no {file} on {_endpoint} (404)");
            Check(head, hubId, file);
            commit = Header(head, "X-Repo-Commit");
            sha256 = Sha256Of(Header(head, "X-Linked-Etag")) ?? Sha256Of(head.Headers.ETag?.Tag);
        }
        var snapshotName = commit ?? revision;
        var target = Path.Combine(repo, "snapshots", snapshotName, file);
        using (
            var response = Send(
                _http,
                new HttpRequestMessage(HttpMethod.Get, url),
                hubId,
                file,
                HttpCompletionOption.ResponseHeadersRead
            )
        )
        {
            Check(response, hubId, file);
            AtomicFile.Write(target, stream =>
            {
                using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(
                    System.Security.Cryptography.HashAlgorithmName.SHA256
                );
                using var body = response.Content.ReadAsStream();
                var buffer = new byte[1 << 16];
                int n;
                while ((n = body.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    stream.Write(buffer, 0, n);
                }
                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (sha256 != null && actual != sha256)
                {
                    throw new EmolinguaException(
                        hubId,
                        $"{file}: sha256 {actual} differs from the hub's {sha256} (download corrupted; nothing kept)"
                    );
                }
            });
        }
        if (revision == "main")
            AtomicFile.WriteAllText(Path.Combine(repo, "refs", "main"), snapshotName);
        return target;
    }

    private HttpResponseMessage Send(
        HttpClient client,
        HttpRequestMessage request,
        string hubId,
        string file,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead
    )
    {
        using (request)
        {
            try
            {
                return client.SendAsync(request, completion).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw new EmolinguaException(hubId, $"download of {file} from {_endpoint} failed: {e.Message}");
            }
        }
    }

    /// <summary>Success or a redirect (the metadata request stops at it); anything else is an error naming the
    /// status.</summary>
    private static void Check(HttpResponseMessage response, string hubId, string file)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 400)
            return;
        var hint = status is 401 or 403 ? " (a gated or private repository needs HF_TOKEN)" : "";
        throw new EmolinguaException(hubId, $"download of {file} failed: HTTP {status} {response.ReasonPhrase}{hint}");
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>A quoted or weak ETag holding 64 hex digits, lower-cased; null for anything else (a git blob's
    /// sha1).</summary>
    private static string? Sha256Of(string? etag)
    {
        var tag = etag?.Trim();
        if (tag == null)
            return null;
        if (tag.StartsWith("W/", StringComparison.Ordinal))
            tag = tag[2..];
        tag = tag.Trim('"').ToLowerInvariant();
        return
            tag.Length == 64 && tag.All(char.IsAsciiHexDigitLower) || tag.Length == 64 && tag.All(char.IsAsciiHexDigit)
            ? tag
            : null;
    }
}
