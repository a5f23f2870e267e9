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
    private readonly string _endpoint;
    private readonly Action<string>? _log;

    public HubDownloader(string? endpoint = null, HttpMessageHandler? handler = null, Action<string>? log = null, TimeSpan? timeout = null)
    {
        _endpoint = (endpoint ?? Environment.GetEnvironmentVariable("HF_ENDPOINT") ?? "https://huggingface.co").TrimEnd('/');
        _http = handler == null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = timeout ?? TimeSpan.FromMinutes(30); // whisper-small is ~1 GB
        var token = Environment.GetEnvironmentVariable("HF_TOKEN");
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        _log = log ?? (m => Console.Error.WriteLine(m));
    }

    /// <returns>The snapshot folder holding the downloaded files.</returns>
    public string Download(string hubId, string revision = "main")
    {
        var repo = HuggingFaceCache.RepoDirectory(hubId);
        _log?.Invoke($"emolingua: downloading {hubId} ({revision}) from {_endpoint} into {repo}");
        var (configBytes, commit) = Get(hubId, revision, "config.json")
            ?? throw new EmolinguaException(hubId, $"not found on {_endpoint} (config.json: 404)");
        string snapshotName = commit ?? revision;
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
                ?? throw new EmolinguaException(hubId, "has neither model.safetensors nor model.safetensors.index.json");
            AtomicFile.WriteAllBytes(Path.Combine(snapshot, "model.safetensors.index.json"), indexBytes);
            var map = JsonNode.Parse(indexBytes)?["weight_map"] as JsonObject
                ?? throw new EmolinguaException(hubId, "model.safetensors.index.json has no weight_map");
            foreach (var shard in map.Select(kv => kv.Value!.GetValue<string>()).Distinct())
            {
                var (bytes, _) = Get(hubId, revision, shard) ?? throw new EmolinguaException(hubId, $"shard {shard} not found");
                AtomicFile.WriteAllBytes(Path.Combine(snapshot, shard), bytes);
            }
        }
        if (revision == "main") AtomicFile.WriteAllText(Path.Combine(repo, "refs", "main"), snapshotName);
        return snapshot;
    }

    /// <returns>The file's bytes and the repository commit (X-Repo-Commit), or null on 404.</returns>
    private (byte[] Bytes, string? Commit)? Get(string hubId, string revision, string file)
    {
        var url = $"{_endpoint}/{hubId}/resolve/{revision}/{file}";
        HttpResponseMessage response;
        try { response = _http.GetAsync(url).GetAwaiter().GetResult(); }
        catch (HttpRequestException e) { throw new EmolinguaException(hubId, $"download of {file} from {_endpoint} failed: {e.Message}"); }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode)
                throw new EmolinguaException(hubId, $"download of {file} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            var commit = response.Headers.TryGetValues("X-Repo-Commit", out var values) ? values.FirstOrDefault() : null;
            return (response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult(), commit);
        }
    }
}
