using System.Diagnostics;

namespace Emolingua.Util;

/// <summary>
/// Runs a command-line tool to its end (ffmpeg, espeak-ng, Slurm's client tools): arguments as a list (no shell),
/// optional bytes on stdin, stdout kept as bytes and stderr as text, both drained while the tool runs so that neither
/// pipe can fill up and stall it.
/// </summary>
internal static class ExternalProcess
{
    /// <summary>What the tool left behind: its exit code, its stdout bytes and its stderr text.</summary>
    internal sealed record Output(int ExitCode, byte[] Stdout, string Stderr)
    {
        public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);
    }

    /// <summary>Full path of <paramref name="tool"/> in the directories of <paramref name="searchPath"/> (PATH syntax),
    /// or null.</summary>
    public static string? Locate(string tool, string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath))
            return null;
        foreach (var dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in OperatingSystem.IsWindows() ? new[] { tool + ".exe", tool } : new[] { tool })
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary><paramref name="tool"/> on this process's PATH, or null.</summary>
    public static string? Locate(string tool) => Locate(tool, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>Runs <paramref name="exe"/> and waits for it; null when it outlives <paramref name="timeout"/> (it is
    /// then killed).</summary>
    public static Output? Run(string exe, IEnumerable<string> arguments, byte[]? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new EmolinguaException(exe, "could not start");
        var stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        if (stdin != null)
        {
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            process.Kill(entireProcessTree: true);
            return null;
        }
        copy.Wait();
        return new Output(process.ExitCode, stdout.ToArray(), stderr.Result);
    }
}
