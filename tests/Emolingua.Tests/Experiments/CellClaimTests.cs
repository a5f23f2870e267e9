using System.Diagnostics;
using System.Text.Json.Nodes;
using Emolingua.Experiments;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Training;

namespace Emolingua.Tests.Experiments;

/// <summary>The per-cell lock without Slurm: live and dead owners on this host, unreadable locks, two run-cell
/// processes on one cell.</summary>
[Collection("Console")] // the in-process CLI redirects the console
public class CellClaimTests : IClassFixture<TrainingRunTests.Data>
{
    private readonly TrainingRunTests.Data _data;

    public CellClaimTests(TrainingRunTests.Data data) => _data = data;

    private static readonly SlurmCommands NoSlurm = new();

    /// <summary>A lock as another process on this host would have written it (hand-written JSON).</summary>
    private static void WriteLock(string runDir, int pid, long? pidStart, string host)
    {
        Directory.CreateDirectory(runDir);
        File.WriteAllText(
            Path.Combine(runDir, "cell.lock"),
            $$"""{"host":"{{host}}","pid":{{pid}},"pid_start":{{(pidStart?.ToString() ?? "null")}},"job":null,"started":"2026-01-01T00:00:00Z"}"""
        );
    }

    /// <summary>Field 22 of /proc/PID/stat, read here on its own (the command is "sleep": no spaces to worry
    /// about).</summary>
    private static long StartTicks(int pid) => long.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(' ')[21]);

    [Fact]
    public void ALiveOwnerKeepsTheCellAndADeadOneLosesIt()
    {
        using var dir = new TempDir();
        var runDir = dir.File("run");
        using var sleeper = Process.Start("sleep", "60");
        WriteLock(runDir, sleeper.Id, StartTicks(sleeper.Id), Environment.MachineName);

        var me = CellOwner.Current();
        Assert.Null(CellClaim.TryAcquire(runDir, me, NoSlurm, out var holder));
        Assert.Equal(sleeper.Id, holder!.Pid);

        // The same PID with another start time is a reused PID: the owner is gone.
        WriteLock(runDir, sleeper.Id, StartTicks(sleeper.Id) + 1, Environment.MachineName);
        using (var claim = CellClaim.TryAcquire(runDir, me, NoSlurm, out _))
        {
            Assert.NotNull(claim);
            Assert.Equal(
                Environment.ProcessId,
                JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "cell.lock")))!["pid"]!.GetValue<int>()
            );
        }
        Assert.False(File.Exists(Path.Combine(runDir, "cell.lock"))); // released

        // The owner dies: its lock is stale and the cell can be claimed.
        WriteLock(runDir, sleeper.Id, StartTicks(sleeper.Id), Environment.MachineName);
        sleeper.Kill();
        sleeper.WaitForExit();
        using (var claim = CellClaim.TryAcquire(runDir, me, NoSlurm, out _))
            Assert.NotNull(claim);
        Assert.False(File.Exists(Path.Combine(runDir, "cell.lock.break")));
    }

    [Fact]
    public void AnOwnerOnAnotherHostOrAHalfWrittenLockIsRespected()
    {
        using var dir = new TempDir();
        var runDir = dir.File("run");
        var me = CellOwner.Current();
        // Another host and no Slurm job: nothing here can tell whether it still runs, so it keeps the cell.
        WriteLock(runDir, 1, 1, "some-other-host");
        Assert.Null(CellClaim.TryAcquire(runDir, me, NoSlurm, out var holder));
        Assert.Equal("some-other-host", holder!.Host);

        // A lock still being written (not JSON yet) is respected while young, broken once old.
        var lockFile = Path.Combine(runDir, "cell.lock");
        File.WriteAllText(lockFile, "{\"ho");
        Assert.Null(CellClaim.TryAcquire(runDir, me, NoSlurm, out holder));
        Assert.Null(holder);
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddMinutes(-5));
        using var claim = CellClaim.TryAcquire(runDir, me, NoSlurm, out _);
        Assert.NotNull(claim);
    }

    [Fact]
    public void TwoRunCellProcessesOnOneCellTrainItOnce()
    {
        using var work = new TempDir();
        var r = JsonNode.Parse(TinyCorpora.RecipeJson("baseline"))!;
        r["training"]!["steps_per_epoch"] = 8;
        r["training"]!["max_epochs"] = 3;
        File.WriteAllText(work.File("baseline.json"), r.ToJsonString());
        File.WriteAllText(
            work.File("grid.json"),
            new JsonObject
            {
                ["name"] = "twice",
                ["folds"] = new JsonArray(1),
                ["seeds"] = new JsonArray(0),
                ["test_corpora"] = new JsonArray(new JsonObject { ["kind"] = "manifest", ["root"] = "english.csv" }),
                ["runs"] = new JsonArray(
                    new JsonObject
                    {
                        ["column"] = "baseline",
                        ["recipe"] = "baseline.json",
                        ["evaluate"] = new JsonArray("manifest"),
                    }
                ),
                ["tsne"] = new JsonObject { ["enabled"] = false },
            }.ToJsonString()
        );
        var outDir = work.File("out");
        var planned = CliHarness.RunInProcess(
            "experiment",
            "plan",
            work.File("grid.json"),
            "--data",
            _data.Root,
            "--out",
            outDir
        );
        Assert.True(planned.ExitCode == 0, planned.Err);
        Assert.StartsWith(Path.Combine(outDir, "cells.json") + ": 1 cells (0..0)", planned.Out);
        var runDir = Path.Combine(outDir, "runs", "baseline", "fold1-seed0");

        var firstErr = new System.Text.StringBuilder();
        using var first = StartCli(firstErr, "experiment", "run-cell", outDir, "--cell", "0");
        try
        {
            SecondAndThirdLeaveTheCellAlone(first, firstErr, runDir);
        }
        finally
        {
            if (!first.HasExited)
                first.Kill(entireProcessTree: true); // only on failure
        }
    }

    private static void SecondAndThirdLeaveTheCellAlone(
        Process first,
        System.Text.StringBuilder firstErr,
        string runDir
    )
    {
        var outDir = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runDir)))!;
        var watch = Stopwatch.StartNew();
        while (
            !File.Exists(Path.Combine(runDir, "metrics.jsonl"))
            || File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Length < 2
        )
        {
            Assert.False(first.HasExited, "the first run-cell ended early: " + firstErr);
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(10), "the first run-cell did not start training");
            Thread.Sleep(50);
        }
        var second = CliHarness.RunChild("experiment", "run-cell", outDir, "--cell", "0");
        Assert.Equal(0, second.ExitCode);
        Assert.Contains($"is being run by pid {first.Id} on {Environment.MachineName}", second.Err);
        Assert.Contains("not running it twice", second.Err);

        Assert.True(first.WaitForExit(600_000), "the first run-cell did not finish");
        first.WaitForExit(); // drains the output readers
        Assert.True(first.ExitCode == 0, firstErr.ToString());
        var steps = File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl"))
            .Select(l => JsonNode.Parse(l)!)
            .Where(l => l["split"] == null)
            .Select(l => l["step"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(1, 24), steps);
        Assert.True(File.Exists(Path.Combine(runDir, "cells.json")));
        Assert.False(File.Exists(Path.Combine(runDir, "cell.lock")));

        // A finished cell is never run again.
        var model = Path.Combine(runDir, "model", "model.safetensors");
        var stamp = File.GetLastWriteTimeUtc(model);
        var third = CliHarness.RunChild("experiment", "run-cell", outDir, "--cell", "0");
        Assert.Equal(0, third.ExitCode);
        Assert.Contains("already done", third.Err);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(model));
    }

    /// <summary>The CLI as a background child; its stderr collects into <paramref name="err"/>.</summary>
    private static Process StartCli(System.Text.StringBuilder err, params string[] argv)
    {
        var host =
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h)
                ? h
                : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliHarness.CliDll);
        foreach (var a in argv)
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, e) =>
        {
            lock (err)
                err.AppendLine(e.Data);
        };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return p;
    }
}
