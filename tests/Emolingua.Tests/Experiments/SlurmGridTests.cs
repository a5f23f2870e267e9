using static Emolingua.Tests.Experiments.SlurmGridFixture;

namespace Emolingua.Tests.Experiments;

/// <summary>
/// The grid on a real Slurm cluster (started by <see cref="SlurmCluster"/>): the same numbers as the in-process runner,
/// a task requeued twice mid-training (its own USR1 requeue and scontrol requeue) resuming exactly; failures and
/// refusals are in <see cref="SlurmGridFailureTests"/>.
/// </summary>
[Collection("Slurm")]
public class SlurmGridTests
{
    private readonly SlurmCluster _cluster;

    public SlurmGridTests(SlurmCluster cluster) => _cluster = cluster;

    [Fact]
    public void SlurmGridGivesTheLocalRunnersResults()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 3);
        Recipe(work.Path, "byol", steps: 3);
        var grid = Grid(
            work.Path,
            "two-by-two",
            [1, 2],
            English,
            Run("baseline", "baseline.json", "manifest"),
            Run("byol", "byol.json", "manifest")
        );
        var local = RunLocally(_cluster, grid, work.File("local"));

        var outDir = work.File("slurm");
        // Each task asks for a whole node's CPUs, so the two tasks at a time run on the two nodes.
        var r = _cluster.SubmitGrid(
            grid,
            outDir,
            "--wait",
            "--max-parallel",
            "2",
            "--cpus-per-task",
            Environment.ProcessorCount.ToString()
        );
        Assert.True(r.ExitCode == 0, r.Err);
        var arrayLine = Assert.Single(r.OutLines, l => l.StartsWith("submitted job array "));
        var arrayJob = SlurmCluster.JobOf(r, "job array");
        Assert.Contains("4 of 4 cells (tasks 0-3, at most 2 at a time)", arrayLine);
        Assert.Single(r.OutLines, l =>
            l.StartsWith("submitted report job ") && l.Contains($"after job array {arrayJob}")
        );

        // Identical results.json: every metric value, confusion matrix, count and the split hash.
        Assert.Equal(Comparable(local), Comparable(File.ReadAllText(Path.Combine(outDir, "results.json"))));
        Assert.True(File.Exists(Path.Combine(outDir, "report.md")));

        // The script stays in DIR with the array, requeue and signal; each task logged into its own file.
        var script = File.ReadAllText(Path.Combine(outDir, "slurm", "cells.sbatch"));
        foreach (
            var line in new[]
            {
                "#SBATCH --array=0-3%2",
                "#SBATCH --requeue",
                "#SBATCH --signal=B:USR1@300",
                $"#SBATCH --cpus-per-task={Environment.ProcessorCount}",
                "#SBATCH --open-mode=append",
            }
        )
        {
            Assert.Contains(line, script);
        }

        Assert.Contains("experiment run-cell", script);
        Assert.Contains("--max-requeues 3", script);

        var status = Status(outDir);
        Assert.Equal(4, status["total"]!.GetValue<int>());
        Assert.Equal(4, status["done"]!.GetValue<int>());
        foreach (var cell in status["cells"]!.AsArray())
        {
            var n = cell!["cell"]!.GetValue<int>();
            Assert.Equal($"{arrayJob}_{n}", cell["job"]!.GetValue<string>());
            Assert.Equal(n, cell["task"]!.GetValue<int>());
            Assert.Contains($"== cell {n}:", File.ReadAllText(cell["log"]!.GetValue<string>()));
        }
        // Both nodes worked on the grid, and status names each cell's host.
        Assert.Equal(
            new[] { "node1", "node2" },
            status["cells"]!.AsArray().Select(c => c!["host"]!.GetValue<string>()).Distinct().Order()
        );
    }

    [Fact]
    public void ATaskRequeuedTwiceMidTrainingResumesExactly()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 15, epochs: 4); // 60 steps: long enough to interrupt twice
        var grid = Grid(work.Path, "one", [1], English, Run("baseline", "baseline.json", "manifest"));
        var local = RunLocally(_cluster, grid, work.File("local"));

        var outDir = work.File("slurm");
        var r = _cluster.SubmitGrid(grid, outDir);
        Assert.True(r.ExitCode == 0, r.Err);
        var job = SlurmCluster.JobOf(r, "job array") + "_0";
        var reportJob = SlurmCluster.JobOf(r, "report job");
        var metrics = Path.Combine(outDir, "runs", "baseline", "fold1-seed0", "metrics.jsonl");

        // 1. The time-limit signal: the task checkpoints, requeues itself and exits.
        WaitForStep(metrics, 12);
        _cluster.Tool("scancel", "--batch", "--signal=USR1", job);
        WaitForRequeue(job);
        // 2. The scheduler requeues it (as preemption does): SIGTERM, checkpoint, exit.
        WaitForStep(metrics, 36);
        _cluster.Tool("scontrol", "requeue", job);
        WaitForRequeue(job);

        _cluster.WaitForJobEnd(reportJob);

        Assert.Equal(Comparable(local), Comparable(File.ReadAllText(Path.Combine(outDir, "results.json"))));
        var log = File.ReadAllText(Path.Combine(outDir, "logs", "cell-0.log"));
        Assert.Contains("received signal USR1", log);
        Assert.Contains($"requeued Slurm job {job}", log);
        Assert.Contains("received signal SIGTERM", log);
        Assert.Equal(2, CountOf(log, "baseline: resuming at step "));
        Assert.Contains("restart 2", log);
        // metrics.jsonl: the same lines as the uninterrupted run (speed aside), steps 1..60 once each.
        AssertSameMetrics(
            Path.Combine(work.File("local"), "runs", "baseline", "fold1-seed0", "metrics.jsonl"),
            metrics,
            60
        );
    }

    /// <summary>Waits until the task is back in the queue, then lets it start now (Slurm holds a requeued job ~2
    /// minutes).</summary>
    private void WaitForRequeue(string job) => SlurmGridFixture.WaitForRequeue(_cluster, job);
}
