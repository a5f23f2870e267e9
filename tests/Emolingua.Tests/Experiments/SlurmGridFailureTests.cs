using System.Text.Json.Nodes;
using Emolingua.Experiments;
using Emolingua.Tests.Cli;
using static Emolingua.Tests.Experiments.SlurmGridFixture;

namespace Emolingua.Tests.Experiments;

/// <summary>
/// The grid on a real Slurm cluster when things go wrong: a failing cell resubmitted alone, a lock stale exactly when
/// Slurm says its job does not run, and bad submissions refused with one line.
/// </summary>
[Collection("Slurm")]
public class SlurmGridFailureTests
{
    private readonly SlurmCluster _cluster;

    public SlurmGridFailureTests(SlurmCluster cluster) => _cluster = cluster;

    [Fact]
    public void AFailingCellLeavesTheOthersAndIsResubmittedAlone()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 3);
        // The test corpus: the English clips copied and listed with their durations; session 2 (fold 2's test set)
        // unreadable.
        var copies = Path.Combine(work.Path, "clips");
        Directory.CreateDirectory(copies);
        var rows = TestCsv.Rows(Path.Combine(_cluster.Data, "english.csv"));
        var pathColumn = Array.IndexOf(rows[0], "path");
        var manifest = new List<string[]>();
        foreach (var row in rows.Skip(1))
        {
            var path = row[pathColumn];
            File.Copy(Path.Combine(_cluster.Data, path), Path.Combine(copies, Path.GetFileName(path)));
            row[pathColumn] = "clips/" + Path.GetFileName(path);
            manifest.Add([.. row, "1.2"]);
        }
        Emolingua.Util.CsvFiles.Write(Path.Combine(work.Path, "test.csv"), [.. rows[0], "duration"], manifest);
        var unreadable = Directory.GetFiles(copies, "s2_*.wav");
        Assert.NotEmpty(unreadable);
        foreach (var f in unreadable)
            File.WriteAllBytes(f, "RIFF\0\0\0\0WAVE"u8.ToArray()); // a WAV header cut short

        var grid = Grid(
            work.Path,
            "failing",
            [1, 2],
            new JsonArray(new JsonObject { ["kind"] = "manifest", ["root"] = Path.Combine(work.Path, "test.csv") }),
            Run("baseline", "baseline.json", "manifest")
        );
        var outDir = work.File("slurm");
        var r = _cluster.SubmitGrid(grid, outDir, "--wait");
        Assert.Equal(1, r.ExitCode);
        var log = Path.Combine(outDir, "logs", "cell-1.log");
        var error = Assert.Single(r.ErrLines, l => l.StartsWith("error:")); // after the progress lines
        Assert.Equal(error, r.ErrLines[^1]);
        Assert.StartsWith(
            $"error: {outDir}: 1 of 2 cells did not finish: cell 1 (baseline fold 2 seed 0) failed, log {log}",
            error
        );

        var status = Status(outDir);
        Assert.Equal(1, status["done"]!.GetValue<int>());
        Assert.Equal(1, status["failed"]!.GetValue<int>());
        var failed = status["cells"]![1]!;
        Assert.Equal("failed", failed["state"]!.GetValue<string>());
        var message = failed["error"]!.GetValue<string>();
        Assert.StartsWith(Path.Combine(copies, "s2_"), message); // names the unreadable file
        Assert.Equal(log, failed["log"]!.GetValue<string>());
        Assert.Contains(message, File.ReadAllText(log));
        var text = CliHarness.RunInProcess("experiment", "status", outDir);
        Assert.Contains("2 cells: 1 done, 0 running, 0 pending, 1 failed", text.Out);
        Assert.Contains("sbatch --array=1 ", text.Out);
        // The report still ran: the finished cell's numbers, the failed one marked failed.
        var reportLog = Path.Combine(outDir, "logs", "report.log");
        Assert.True(
            File.Exists(Path.Combine(outDir, "results.json")),
            File.Exists(reportLog) ? File.ReadAllText(reportLog) : "no report log"
        );
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var baselineCells = results["cells"]!
            .AsArray()
            .Where(c => c!["method"]!.GetValue<string>() == "baseline")
            .ToList();
        Assert.Equal(new[] { "ok", "failed" }, baselineCells.Select(c => c!["status"]!.GetValue<string>()));
        // The reference rows of fold 2 read the same unreadable clips: failed with the clip's message, fold 1's fine.
        var references = results["cells"]!
            .AsArray()
            .Where(c => c!["method"]!.GetValue<string>() != "baseline")
            .ToList();
        Assert.Equal(
            new[] { "acoustic", "chance", "majority" },
            references.Select(c => c!["method"]!.GetValue<string>()).Distinct().Order()
        );
        Assert.All(references, c =>
            Assert.Equal(c!["fold"]!.GetValue<int>() == 1 ? "ok" : "failed", c["status"]!.GetValue<string>())
        );

        // Repaired and resubmitted: only cell 1 runs; cell 0's model is not touched.
        foreach (var f in unreadable)
            File.Copy(Path.Combine(_cluster.Data, "en", Path.GetFileName(f)), f, overwrite: true);
        var model0 = Path.Combine(outDir, "runs", "baseline", "fold1-seed0", "model", "model.safetensors");
        var stamp = File.GetLastWriteTimeUtc(model0);
        r = _cluster.SubmitGrid(grid, outDir, "--wait", "--resume");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains(r.OutLines, l => l.StartsWith("submitted job array ") && l.Contains("1 of 2 cells (tasks 1)"));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(model0));
        var jobs = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "slurm", "jobs.json")))![
            "submissions"
        ]!.AsArray();
        Assert.Equal(new[] { "[0,1]", "[1]" }, jobs.Select(j => j!["cells"]!.ToJsonString()));
        results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        Assert.All(results["cells"]!.AsArray(), c => Assert.Equal("ok", c!["status"]!.GetValue<string>()));
    }

    [Fact]
    public void ALockIsStaleExactlyWhenSlurmSaysItsJobDoesNotRun()
    {
        using var dir = new TempDir();
        var runDir = dir.File("run");
        Directory.CreateDirectory(runDir);
        var me = CellOwner.Current();
        void Lock(string job) =>
            File.WriteAllText(
                Path.Combine(runDir, "cell.lock"),
                $$"""{"host":"another-node","pid":1,"pid_start":1,"job":"{{job}}","started":"2026-01-01T00:00:00Z"}"""
            );

        // A running job's task holds the cell, on whichever node it runs.
        var job =
            _cluster.Tool("sbatch", "--parsable", "--array=0", "-o", "/dev/null", "--wrap", "sleep 120").Trim() + "_0";
        SlurmCluster.WaitUntil(
            () => _cluster.Tool("squeue", "-h", "-j", job, "-o", "%T").Trim() == "RUNNING",
            TimeSpan.FromMinutes(5),
            $"{job} did not start"
        );
        Lock(job);
        Assert.Null(CellClaim.TryAcquire(runDir, me, new SlurmCommands(), out var holder));
        Assert.Equal(job, holder!.Job);

        // Once Slurm says it ended, the lock is stale.
        _cluster.Tool("scancel", job);
        SlurmCluster.WaitUntil(
            () => _cluster.Tool("squeue", "-h", "-j", job, "-o", "%T").Trim() is not ("RUNNING" or "COMPLETING"),
            TimeSpan.FromMinutes(5),
            $"{job} did not end"
        );
        using (var claim = CellClaim.TryAcquire(runDir, me, new SlurmCommands(), out _))
            Assert.NotNull(claim);

        // A job the cluster never heard of (or has forgotten) holds nothing.
        Lock("987654_3");
        using (var claim = CellClaim.TryAcquire(runDir, me, new SlurmCommands(), out _))
            Assert.NotNull(claim);
    }

    [Fact]
    public void BadSubmissionsAreRefusedWithOneLineAndSubmitNothing()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 3);
        var grid = Grid(work.Path, "refused", [1], English, Run("baseline", "baseline.json", "manifest"));
        string[] Args(string outDir, params string[] extra) =>
            ["experiment", grid, "--data", _cluster.Data, "--out", outDir, "--slurm", .. extra];
        var queueBefore = _cluster.Tool("squeue", "-h", "-t", "all", "-o", "%i");

        // No sbatch on PATH.
        using var emptyPath = new TempDir();
        var noSbatch = work.File("no-sbatch");
        var r = CliHarness.RunChild(new Dictionary<string, string?> { ["PATH"] = emptyPath.Path }, Args(noSbatch));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(
            "error: --slurm: sbatch not found on PATH (run on a machine with the Slurm client tools, e.g. a login node; without Slurm, leave out --slurm)",
            Assert.Single(r.ErrLines)
        );
        Assert.False(Directory.Exists(noSbatch));

        // The controller does not answer (a configuration naming a port nobody listens on).
        var deadConf = work.File("dead.conf");
        File.WriteAllLines(
            deadConf,
            File.ReadAllLines(_cluster.Conf).Select(l => l.StartsWith("SlurmctldPort=") ? "SlurmctldPort=1" : l)
        );
        var down = work.File("down");
        r = CliHarness.RunChild(new Dictionary<string, string?> { ["SLURM_CONF"] = deadConf }, Args(down));
        Assert.NotEqual(0, r.ExitCode);
        Assert.StartsWith("error: --slurm: the Slurm controller does not answer (", Assert.Single(r.ErrLines));
        Assert.False(Directory.Exists(down));

        // An unknown partition: Slurm's own message.
        var partition = work.File("partition");
        r = CliHarness.RunInProcess(Args(partition, "--partition", "no-such-partition"));
        Assert.NotEqual(0, r.ExitCode);
        var line = Assert.Single(r.ErrLines);
        Assert.StartsWith("error: sbatch: ", line);
        Assert.Contains("invalid partition specified: no-such-partition", line);
        Assert.False(File.Exists(Path.Combine(partition, "cells.json")));

        // Slurm options without --slurm are a parse error.
        r = CliHarness.RunInProcess(
            "experiment",
            grid,
            "--out",
            work.File("local"),
            "--wait",
            "--sbatch-arg=--qos=high"
        );
        Assert.Equal(
            "error: experiment: --wait, --sbatch-arg need --slurm (see ./emolingua help experiment)",
            Assert.Single(r.ErrLines)
        );
        Assert.False(Directory.Exists(work.File("local")));

        Assert.Equal(queueBefore, _cluster.Tool("squeue", "-h", "-t", "all", "-o", "%i"));
    }
}
