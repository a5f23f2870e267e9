using System.Globalization;
using System.Text.Json.Nodes;
using Emolingua.Tests.Cli;
using static Emolingua.Tests.Experiments.SlurmGridFixture;

namespace Emolingua.Tests.Experiments;

/// <summary>
/// The two-node cluster (<see cref="SlurmCluster"/>) losing a node: a cell training on node2 when node2's slurmd and
/// task are SIGKILLed (then node1 set down by the administrator), requeues capped by --max-requeues, and
/// <c>predict --slurm</c> with a shard killed with its node.
/// </summary>
[Collection("Slurm")]
public class NodeFailureTests(SlurmCluster cluster)
{
    private static readonly string Cpus = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);

    /// <summary>Both nodes in service again whatever a test did to them.</summary>
    private void RestoreNodes()
    {
        foreach (var n in new[] { 1, 2 })
        {
            var pidFile = Path.Combine(cluster.Folder, "cluster", $"slurmd-node{n}.pid");
            if (!File.Exists(pidFile) || !Directory.Exists($"/proc/{File.ReadAllText(pidFile).Trim()}"))
                cluster.StartNode(n);
            // refused when it is not down or drained
            SlurmCluster.Shell("scontrol", "update", $"nodename=node{n}", "state=resume");
        }
        cluster.WaitForNodes();
    }

    [Fact]
    public void ACellWhoseNodeDiesResumesOnTheOtherNodeExactly()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 15, epochs: 4); // 60 steps, a checkpoint after every 15
        var grid = Grid(work.Path, "dies", [1], English, Run("baseline", "baseline.json", "manifest"));
        var local = RunLocally(cluster, grid, work.File("local"));
        var outDir = work.File("slurm");
        var metrics = Path.Combine(outDir, "runs", "baseline", "fold1-seed0", "metrics.jsonl");
        try
        {
            // node1 drained, so the cell starts on node2; then node1 takes work again.
            cluster.Tool("scontrol", "update", "nodename=node1", "state=drain", "reason=test");
            var r = cluster.SubmitGrid(grid, outDir, "--cpus-per-task", Cpus);
            Assert.True(r.ExitCode == 0, r.Err);
            var job = SlurmCluster.JobOf(r, "job array") + "_0";
            var reportJob = SlurmCluster.JobOf(r, "report job");
            SlurmCluster.WaitUntil(
                () => cluster.NodeOf(job) == "node2",
                TimeSpan.FromMinutes(2),
                $"{job} did not start on node2"
            );
            cluster.Tool("scontrol", "update", "nodename=node1", "state=resume");

            // 1. node2 loses power past the first checkpoint: no signal, nothing written. Slurm marks it down and
            // requeues.
            WaitForStep(metrics, 20);
            cluster.KillNode(2);
            WaitForRequeue(cluster, job);
            SlurmCluster.WaitUntil(
                () => cluster.NodeOf(job) == "node1",
                TimeSpan.FromMinutes(2),
                $"{job} did not restart on node1"
            );
            cluster.StartNode(2);
            cluster.WaitForNodes();
            Assert.Equal(
                "node2",
                JsonNode.Parse(
                    File.ReadAllText(Path.Combine(outDir, "runs", "baseline", "fold1-seed0", "attempt.json"))
                )!["attempts"]![0]!["host"]!.GetValue<string>()
            );

            // 2. The administrator takes node1 down: Slurm requeues the task and stops it there (SIGTERM: it
            // checkpoints).
            WaitForStep(metrics, 40);
            var lockPath = Path.Combine(outDir, "runs", "baseline", "fold1-seed0", "cell.lock");
            var pid = JsonNode.Parse(File.ReadAllText(lockPath))!["pid"]!.GetValue<int>();
            cluster.Tool("scontrol", "update", "nodename=node1", "state=down", "reason=test");
            // Slurm counts a down node's task as gone at once; here it still checkpoints. Slurm's own hold of a
            // requeued job (~2 minutes) covers that; the test, which lets the job start at once, waits for the process
            // instead.
            SlurmCluster.WaitUntil(
                () => !Directory.Exists($"/proc/{pid}"),
                TimeSpan.FromMinutes(2),
                "the task on node1 did not stop"
            );
            WaitForRequeue(cluster, job);
            cluster.WaitForJobEnd(reportJob);
        }
        finally
        {
            RestoreNodes();
        }

        Assert.Equal(Comparable(local), Comparable(File.ReadAllText(Path.Combine(outDir, "results.json"))));
        var log = File.ReadAllText(Path.Combine(outDir, "logs", "cell-0.log"));
        Assert.Equal(3, CountOf(log, "== cell 0:"));
        Assert.Contains("baseline: resuming at step 15", log); // the last checkpoint before node2 died
        Assert.Equal(2, CountOf(log, "baseline: resuming at step "));
        Assert.Contains("restart 2", log);
        // Each step once, with the uninterrupted run's numbers.
        AssertSameMetrics(
            Path.Combine(work.File("local"), "runs", "baseline", "fold1-seed0", "metrics.jsonl"),
            metrics,
            60
        );

        var cell = Status(outDir)["cells"]![0]!;
        Assert.Equal("done", cell["state"]!.GetValue<string>());
        var hosts = cell["attempt_hosts"]!.AsArray().Select(h => h!.GetValue<string>()).ToList();
        Assert.Equal(3, hosts.Count);
        Assert.Equal(new[] { "node2", "node1" }, hosts.Take(2));
        Assert.Equal(hosts[2], cell["host"]!.GetValue<string>());
    }

    [Fact]
    public void PastMaxRequeuesTheCellFailsNamingItsAttemptsAndTheGridGoesOn()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 15, epochs: 4);
        var grid = Grid(work.Path, "capped", [1, 2], English, Run("baseline", "baseline.json", "manifest"));
        var outDir = work.File("slurm");
        var r = cluster.SubmitGrid(grid, outDir, "--max-requeues", "1", "--cpus-per-task", Cpus);
        Assert.True(r.ExitCode == 0, r.Err);
        var job = SlurmCluster.JobOf(r, "job array") + "_0";
        var reportJob = SlurmCluster.JobOf(r, "report job");
        Assert.Contains("--max-requeues 1", File.ReadAllText(Path.Combine(outDir, "slurm", "cells.sbatch")));
        var metrics = Path.Combine(outDir, "runs", "baseline", "fold1-seed0", "metrics.jsonl");

        // Requeued twice (as preemption does): the third start is past --max-requeues 1.
        WaitForStep(metrics, 5);
        cluster.Tool("scontrol", "requeue", job);
        WaitForRequeue(cluster, job);
        // The second start must have begun (and recorded itself) before it is requeued again: metrics.jsonl may already
        // hold step 10 from the first start, so wait on the cell's own record of its starts instead.
        WaitForAttempts(Path.GetDirectoryName(metrics)!, 2);
        cluster.Tool("scontrol", "requeue", job);
        WaitForRequeue(cluster, job);
        cluster.WaitForJobEnd(reportJob);

        var status = Status(outDir);
        var capped = status["cells"]![0]!;
        Assert.Equal("failed", capped["state"]!.GetValue<string>());
        var error = capped["error"]!.GetValue<string>();
        Assert.StartsWith(
            $"cell 0 (baseline fold 1 seed 0): Slurm job {job} started it 3 times, more than --max-requeues 1 allows (attempts: node",
            error
        );
        var hosts = capped["attempt_hosts"]!.AsArray().Select(h => h!.GetValue<string>()).ToList();
        Assert.Equal(3, hosts.Count);
        foreach (var (host, i) in hosts.Select((h, i) => (h, i)))
            Assert.Contains($"{host} (job {job}{(i > 0 ? $" restart {i}" : "")}, ", error);
        Assert.Contains("failed: " + error, File.ReadAllText(Path.Combine(outDir, "logs", "cell-0.log")));
        // The other cell finished and the report ran.
        Assert.Equal("done", status["cells"]![1]!["state"]!.GetValue<string>());
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!["cells"]!
            .AsArray()
            .Where(c => c!["method"]!.GetValue<string>() == "baseline")
            .Select(c => c!["status"]!.GetValue<string>());
        Assert.Equal(new[] { "failed", "ok" }, results);
    }

    [Fact]
    public async Task PredictOnSlurmWithAShardKilledWithItsNodeEqualsALocalRun()
    {
        using var work = new TempDir();
        var model = Path.Combine(work.Path, "run", "model");
        CliHarness.SaveTinyBundle(model, 1.0).Dispose();
        var clips = Path.Combine(work.Path, "clips");
        Directory.CreateDirectory(clips);
        for (var i = 0; i < 24; i++)
        {
            // 39 windows each: a shard is still running when its node is killed
            var x = TestWav.Voiced(20, 16000, 200 + i);
            for (var t = 0; t < x.Length; t++)
                x[t] *= 0.2f + 0.1f * (i % 7);
            TestWav.WritePcm16Mono(Path.Combine(clips, $"clip{i:00}.wav"), x, 16000);
        }
        // one file fails in both runs
        File.WriteAllBytes(Path.Combine(clips, "clip07.wav"), "RIFF\0\0\0\0WAVE"u8.ToArray());
        var local = work.File("local.csv");
        Assert.Equal(3, CliHarness.RunInProcess("predict", "--model", model, clips, "--out", local).ExitCode);

        var outCsv = work.File("predictions.csv");
        var workDir = outCsv + ".d";
        using var child = CliHarness.StartChild(
            "predict",
            "--model",
            model,
            clips,
            "--out",
            outCsv,
            "--slurm",
            "--shards",
            "2",
            "--wait",
            "--cpus-per-task",
            Cpus,
            "--jobs",
            "1"
        );
        var stderr = child.StandardError.ReadToEndAsync();
        string? line;
        string? array = null;
        while ((line = child.StandardOutput.ReadLine()) != null && array == null)
        {
            if (line.StartsWith("submitted job array "))
                array = line.Split(' ')[3].TrimEnd(':');
        }

        if (array == null)
        {
            if (!child.WaitForExit(60_000))
                child.Kill(entireProcessTree: true);
            Assert.Fail("no job array submitted: " + await stderr);
        }
        var stdoutRest = child.StandardOutput.ReadToEndAsync();
        try
        {
            // The shard on node2 is killed with its node after writing some rows.
            string? onNode2 = null;
            SlurmCluster.WaitUntil(
                () =>
                    (
                        onNode2 = new[] { 0, 1 }
                            .Select(k => $"{array}_{k}")
                            .FirstOrDefault(j => cluster.NodeOf(j) == "node2")
                    ) != null,
                TimeSpan.FromMinutes(2),
                "no shard started on node2"
            );
            var shard = int.Parse(onNode2!.Split('_')[1], CultureInfo.InvariantCulture);
            var shardCsv = Path.Combine(workDir, $"shard-{shard}.csv");
            SlurmCluster.WaitUntil(
                () => File.Exists(shardCsv) && File.ReadAllLines(shardCsv).Length >= 3,
                TimeSpan.FromMinutes(3),
                $"shard {shard} wrote no rows"
            );
            cluster.KillNode(2);
            Assert.False(
                File.ReadAllText(
                        Path.Combine(workDir, "shards", shard.ToString(CultureInfo.InvariantCulture), "attempt.json")
                    )
                    .Contains("\"done\""),
                "the shard finished before its node was killed: the test would prove nothing"
            );
            WaitForRequeue(cluster, onNode2);
            cluster.StartNode(2);
            Assert.True(child.WaitForExit(600_000), "predict --wait did not end");
            var shardLog = File.ReadAllText(Path.Combine(workDir, "logs", $"shard-{shard}.log"));
            Assert.Matches($"shard {shard}: resuming: [1-9][0-9]* files already in ", shardLog);
            var status = JsonNode.Parse(CliHarness.RunInProcess("predict", "status", workDir, "--json").Out)!;
            Assert.Equal(2, status["done"]!.GetValue<int>());
            Assert.Equal(24, status["files_done"]!.GetValue<int>());
            Assert.Equal(1, status["files_failed"]!.GetValue<int>());
            Assert.Equal(outCsv, status["merged"]!.GetValue<string>());
            var killed = status["shards"]![shard]!;
            Assert.Equal("node2", killed["attempt_hosts"]![0]!.GetValue<string>());
            Assert.Equal(2, killed["attempt_hosts"]!.AsArray().Count);
            Assert.Equal(Path.Combine(workDir, "logs", $"shard-{shard}.log"), killed["log"]!.GetValue<string>());
            var text = CliHarness.RunInProcess("predict", "status", workDir).Out;
            Assert.Contains(
                "24 files in 2 shards: 2 done, 0 running, 0 pending, 0 failed; 24/24 files done, 1 failed",
                text
            );
        }
        finally
        {
            if (!child.HasExited)
                child.Kill(entireProcessTree: true);
            RestoreNodes();
        }
        Assert.Equal(3, child.ExitCode); // as predict --out: a file failed
        var err = await stderr;
        Assert.Matches(@"predict [0-9]+/24 files, [0-9.]+ files/s, ETA ", err);
        Assert.Contains($"predict: 24 files in {outCsv}, 1 failed", err);

        // inputs.txt: the inputs in order; the merged CSV: the local run's rows, probabilities within 1e-5.
        Assert.Equal(
            Directory.GetFiles(clips).Order(StringComparer.Ordinal),
            File.ReadAllLines(Path.Combine(workDir, "inputs.txt"))
        );
        var expected = TestCsv.Rows(local);
        var actual = TestCsv.Rows(outCsv);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected[0], actual[0]);
        for (var i = 1; i < expected.Count; i++)
        {
            string[] e = expected[i],
                a = actual[i];
            Assert.Equal(e.Length, a.Length);
            for (var c = 0; c < e.Length; c++)
            {
                if (c is >= 2 and <= 5 && e[c].Length > 0)
                {
                    Assert.InRange(
                        double.Parse(a[c], CultureInfo.InvariantCulture)
                            - double.Parse(e[c], CultureInfo.InvariantCulture),
                        -1e-5,
                        1e-5
                    );
                }
                else
                {
                    Assert.Equal(e[c], a[c]);
                }
            }
        }
    }

    [Fact]
    public void PredictOnSlurmRefusesBadRequestsWithOneLineAndSubmitsNothing()
    {
        using var work = new TempDir();
        var model = Path.Combine(work.Path, "run", "model");
        CliHarness.SaveTinyBundle(model, 1.0).Dispose();
        var clip = Path.Combine(work.Path, "a.wav");
        TestWav.WritePcm16Mono(clip, TestWav.Voiced(1, 16000, 1), 16000);
        var queueBefore = cluster.Tool("squeue", "-h", "-t", "all", "-o", "%i");

        var r = CliHarness.RunInProcess("predict", "--model", model, clip, "--slurm");
        Assert.Equal(
            "error: predict: --slurm writes a CSV: give it with --out (see ./emolingua help predict)",
            Assert.Single(r.ErrLines)
        );
        r = CliHarness.RunInProcess(
            "predict",
            "--model",
            model,
            clip,
            "--out",
            work.File("x.csv"),
            "--shards",
            "2",
            "--wait"
        );
        Assert.Equal(
            "error: predict: --shards, --wait need --slurm (see ./emolingua help predict)",
            Assert.Single(r.ErrLines)
        );
        Assert.False(File.Exists(work.File("x.csv")));

        // Slurm's own message for an unknown partition; OUT.d is not written.
        var outCsv = work.File("p.csv");
        r = CliHarness.RunInProcess(
            "predict",
            "--model",
            model,
            clip,
            "--out",
            outCsv,
            "--slurm",
            "--partition",
            "no-such-partition"
        );
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("invalid partition specified: no-such-partition", Assert.Single(r.ErrLines));
        Assert.False(Directory.Exists(outCsv + ".d"));

        // An earlier run's folder is not overwritten without --resume.
        Directory.CreateDirectory(outCsv + ".d");
        r = CliHarness.RunInProcess("predict", "--model", model, clip, "--out", outCsv, "--slurm");
        Assert.Equal(
            $"error: {outCsv}.d: already exists (an earlier --slurm run); pass --resume to submit its unfinished shards, or choose another --out",
            Assert.Single(r.ErrLines)
        );
        Assert.Empty(Directory.GetFileSystemEntries(outCsv + ".d"));
        Assert.Equal(queueBefore, cluster.Tool("squeue", "-h", "-t", "all", "-o", "%i"));
    }

    private static void WaitForAttempts(string runDir, int starts)
    {
        var path = Path.Combine(runDir, "attempt.json");
        SlurmCluster.WaitUntil(
            () => File.Exists(path) && JsonNode.Parse(File.ReadAllText(path))?["attempts"]?.AsArray().Count >= starts,
            TimeSpan.FromMinutes(5),
            $"the cell was not started {starts} times"
        );
    }
}
