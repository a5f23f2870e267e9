using System.Reflection;

namespace Emolingua.Util;

public static class VersionInfo
{
    public static string Version { get; } =
        typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string Text => $"Emolingua {Version}";
}
