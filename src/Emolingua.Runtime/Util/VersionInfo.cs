using System.Reflection;

namespace Emolingua.Util;

/// <summary>The version of Emolingua (one for every package).</summary>
public static class VersionInfo
{
    /// <summary>The informational version of the assembly, e.g. 0.1.0+commit.</summary>
    public static string Version { get; } =
        typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";

    /// <summary>"Emolingua VERSION".</summary>
    public static string Text => $"Emolingua {Version}";
}
