namespace Emolingua.Models;

/// <summary>
/// The local Hugging Face hub cache: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub, holding
/// models--OWNER--NAME/{refs/main, snapshots/REVISION/...}.
/// </summary>
public static class HuggingFaceCache
{
    /// <summary>The cache folder: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub.</summary>
    public static string HubDirectory
    {
        get
        {
            var hubCache = Environment.GetEnvironmentVariable("HF_HUB_CACHE");
            if (!string.IsNullOrEmpty(hubCache))
                return hubCache;
            var home = Environment.GetEnvironmentVariable("HF_HOME");
            if (string.IsNullOrEmpty(home))
            {
                home = Path.Combine(
                    Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                    ".cache",
                    "huggingface"
                );
            }

            return Path.Combine(home, "hub");
        }
    }

    /// <summary>HF_HUB_OFFLINE is set (1, true, yes): nothing is downloaded.</summary>
    public static bool Offline =>
        Environment.GetEnvironmentVariable("HF_HUB_OFFLINE") is "1" or "true" or "TRUE" or "yes";

    /// <summary>The cache folder of a repository: models--OWNER--NAME.</summary>
    public static string RepoDirectory(string hubId) =>
        Path.Combine(HubDirectory, "models--" + hubId.Replace("/", "--"));

    /// <summary>The snapshot folder that refs/main points at, else the newest snapshot holding <paramref name="file"/>;
    /// null if none.</summary>
    public static string? FindSnapshot(string hubId, string file = "config.json")
    {
        var repo = RepoDirectory(hubId);
        var snapshots = Path.Combine(repo, "snapshots");
        if (!Directory.Exists(snapshots))
            return null;
        var refMain = Path.Combine(repo, "refs", "main");
        if (File.Exists(refMain))
        {
            var pinned = Path.Combine(snapshots, File.ReadAllText(refMain).Trim());
            if (File.Exists(Path.Combine(pinned, file)))
                return pinned;
        }
        return new DirectoryInfo(snapshots)
            .GetDirectories()
            .Where(d => File.Exists(Path.Combine(d.FullName, file)))
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .ThenBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => d.FullName)
            .FirstOrDefault();
    }
}
