using System.Reflection;

namespace Emolingua.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: every package packed once into a folder feed in a temporary folder outside the
/// repository, with its own NuGet settings (the feed beside the normal sources, a fresh global packages folder so a
/// re-packed version is never served from an old cache, the user's cache as a read-only fallback for the rest).
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Feed => Path.Combine(Dir.Path, "feed");
    public string NuGetConfig => Dir.File("nuget.config");
    public string Version { get; } =
        typeof(Emolingua.Inference.EmotionRecognizer)
            .Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!
            .InformationalVersion.Split('+')[0];
    public string Repository { get; } = FindRepository();
    public string PackLog { get; }

    public PackedFeed()
    {
        Directory.CreateDirectory(Feed);
        var log = new System.Text.StringBuilder();
        // The test build has built every project (Release); pack what it built.
        foreach (var project in new[] { "Emolingua.Runtime", "Emolingua", "Emolingua.Tool" })
        {
            log.AppendLine(
                PackageTests
                    .Run(
                        "dotnet",
                        Repository,
                        TimeSpan.FromMinutes(5),
                        "pack",
                        Path.Combine("src", project, project + ".csproj"),
                        "-c",
                        "Release",
                        "--no-build",
                        "-o",
                        Feed,
                        "-nologo"
                    )
                    .Out
            );
        }

        PackLog = log.ToString();
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(
            NuGetConfig,
            $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Dir.File("packages")}" /></config>
              <packageSources><add key="emolingua-feed" value="{Feed}" /></packageSources>
              <fallbackPackageFolders><add key="user-cache" value="{userPackages}" /></fallbackPackageFolders>
            </configuration>
            """
        );
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Emolingua.slnx")))
                return dir.FullName;
        }

        throw new DirectoryNotFoundException($"no Emolingua.slnx above {AppContext.BaseDirectory}");
    }

    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public void Dispose() => Dir.Dispose();
}
