using System.Diagnostics;
using Emolingua.Tests.Training;

namespace Emolingua.Tests.Experiments;

/// <summary>
/// A real two-node Slurm cluster (scripts/slurm-local.sh start --nodes 2: Debian's slurm-wlm and munge, installed by
/// ./test.sh; each node's slurmd in a network namespace of its own, hostnames node1 and node2) in a private folder with
/// its own ports and munge socket, started once for the Slurm tests and stopped after them.
/// SLURM_CONF points this process (and so the CLI and every job it submits) at it. Also writes the tiny corpora.
/// Missing packages fail the tests with the reason; nothing is skipped.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string? _savedConf = Environment.GetEnvironmentVariable("SLURM_CONF");
    public string Conf { get; }
    public string Folder => _dir.Path;
    public string Data { get; }

    public static string Script { get; } = Path.Combine(AppContext.BaseDirectory, "scripts", "slurm-local.sh");

    public SlurmCluster()
    {
        var (code, output) = Shell(Script, "start", "--nodes", "2", Path.Combine(_dir.Path, "cluster"));
        if (code != 0) throw new InvalidOperationException($"the local Slurm cluster did not start ({Script} start): {output}");
        Conf = Path.Combine(_dir.Path, "cluster", "slurm.conf");
        Assert.Contains($"SLURM_CONF={Conf}", output);
        Environment.SetEnvironmentVariable("SLURM_CONF", Conf);
        Data = TinyCorpora.Write(Path.Combine(_dir.Path, "data"));
    }

    /// <summary>Runs a Slurm tool against this cluster; fails the test on a non-zero exit.</summary>
    public string Tool(string tool, params string[] args)
    {
        var (code, output) = Shell(tool, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} failed: {output}");
        return output;
    }

    /// <summary>SIGKILL of every process of node N (slurmd, slurmstepd, tasks): a node losing power.</summary>
    public void KillNode(int n) => Assert.Equal(0, Shell(Script, "kill-node", n.ToString(), Path.Combine(_dir.Path, "cluster")).Code);

    /// <summary>Starts node N's slurmd again (it returns to service when it registers: ReturnToService=2).</summary>
    public void StartNode(int n)
    {
        var (code, output) = Shell(Script, "start-node", n.ToString(), Path.Combine(_dir.Path, "cluster"));
        Assert.True(code == 0, output);
    }

    /// <summary>Until both nodes are up (idle, mixed or allocated), at most 2 minutes.</summary>
    public void WaitForNodes()
    {
        var watch = Stopwatch.StartNew();
        while (Tool("sinfo", "-h", "-N", "-o", "%t").Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(s => s.Trim() is "idle" or "mix" or "alloc") < 2)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), "the nodes did not come back: " + Tool("sinfo", "-N"));
            Thread.Sleep(250);
        }
    }

    public static (int Code, string Output) Shell(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(entireProcessTree: true); return (-1, $"{exe} timed out"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        Shell(Script, "stop", Path.Combine(_dir.Path, "cluster"));
        Environment.SetEnvironmentVariable("SLURM_CONF", _savedConf);
        _dir.Dispose();
    }
}

[CollectionDefinition("Slurm")]
public sealed class SlurmCollection : ICollectionFixture<SlurmCluster>;
