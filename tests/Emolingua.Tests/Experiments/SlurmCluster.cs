using System.Diagnostics;
using Emolingua.Tests.Cli;
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
        if (code != 0)
            throw new InvalidOperationException($"the local Slurm cluster did not start ({Script} start): {output}");
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

    /// <summary><c>experiment GRID --data DATA --out OUT --slurm EXTRA...</c> against this cluster, in this
    /// process.</summary>
    public CliResult SubmitGrid(string grid, string outDir, params string[] extra) =>
        CliHarness.RunInProcess(["experiment", grid, "--data", Data, "--out", outDir, "--slurm", .. extra]);

    /// <summary>The job id in "submitted job array 12: ..." or "submitted report job 13 ...".</summary>
    public static string JobOf(CliResult r, string what) =>
        r.OutLines.Single(l => l.StartsWith($"submitted {what} ")).Split(' ')[3].TrimEnd(':');

    /// <summary>The node a job runs on (empty while it is pending or after it ended).</summary>
    public string NodeOf(string job) => Tool("squeue", "-h", "-j", job, "-o", "%N").Trim();

    /// <summary>Until the job has left the queue or ended (completed, failed or cancelled), at most 10
    /// minutes.</summary>
    public void WaitForJobEnd(string job)
    {
        var watch = Stopwatch.StartNew();
        while (
            Tool("squeue", "-h", "-j", job, "-o", "%T").Trim() is { Length: > 0 } state
            && state is not ("COMPLETED" or "FAILED" or "CANCELLED")
        )
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(10), $"job {job} still {state}");
            Thread.Sleep(500);
        }
    }

    /// <summary>Polls the condition until it holds; fails the test with <paramref name="what"/> after
    /// <paramref name="limit"/>.</summary>
    public static void WaitUntil(Func<bool> condition, TimeSpan limit, string what, int pollMs = 100)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < limit, what);
            Thread.Sleep(pollMs);
        }
    }

    /// <summary>SIGKILL of every process of node N (slurmd, slurmstepd, tasks): a node losing power.</summary>
    public void KillNode(int n) =>
        Assert.Equal(0, Shell(Script, "kill-node", n.ToString(), Path.Combine(_dir.Path, "cluster")).Code);

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
        while (
            Tool("sinfo", "-h", "-N", "-o", "%t")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Count(s => s.Trim() is "idle" or "mix" or "alloc") < 2
        )
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), "the nodes did not come back: " + Tool("sinfo", "-N"));
            Thread.Sleep(250);
        }
    }

    public static (int Code, string Output) Shell(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            return (-1, $"{exe} timed out");
        }
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
