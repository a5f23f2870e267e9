using System.Text.RegularExpressions;
using Emolingua.Util;

namespace Emolingua.Models;

/// <summary>
/// Models by name: a Hugging Face hub id (<c>owner/name</c>) of a repository holding an exported <c>model.onnx</c>,
/// found in the local cache (<see cref="HuggingFaceCache"/>) or downloaded into it (<see cref="HubDownloader"/>).
/// </summary>
public static partial class HubModels
{
    /// <summary>The file an Emolingua model repository holds.</summary>
    public const string OnnxFile = "model.onnx";

    /// <summary>Whether <paramref name="text"/> has the shape of a hub id, owner/name.</summary>
    public static bool IsHubId(string text) => HubIdRegex().IsMatch(text);

    /// <summary>The local path of the repository's model.onnx: from the cache, else downloaded (unless HF_HUB_OFFLINE
    /// is set).</summary>
    public static string ResolveOnnx(string hubId, HubDownloader? downloader = null)
    {
        if (HuggingFaceCache.FindSnapshot(hubId, OnnxFile) is { } cached)
            return Path.Combine(cached, OnnxFile);
        if (HuggingFaceCache.Offline)
        {
            throw new EmolinguaException(
                hubId,
                $"not in the Hugging Face cache ({HuggingFaceCache.HubDirectory}) and HF_HUB_OFFLINE is set"
            );
        }

        return (downloader ?? new HubDownloader()).DownloadFile(hubId, OnnxFile);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")]
    private static partial Regex HubIdRegex();
}
