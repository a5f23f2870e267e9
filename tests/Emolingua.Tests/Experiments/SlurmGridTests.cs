using System.Text.Json.Nodes;
using Emolingua.Experiments;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Training;
using TorchSharp;

namespace Emolingua.Tests.Experiments;

/// <summary>
/// The grid on a real Slurm cluster (started by <see cref="SlurmCluster"/>): the same numbers as the in-process runner,
/// a task requeued twice mid-training (its own USR1 requeue and scontrol requeue) resuming exactly, a failing cell
/// resubmitted alone, and bad submissions refused with one line.
/// </summary>
[Collection("Slurm")]
public class SlurmGridTests
{
    private readonly SlurmCluster _cluster;
    public SlurmGridTests(SlurmCluster cluster) => _cluster = cluster;

    /// <summary>A tiny training recipe: one thread (the Slurm task gets one CPU), a few steps.</summary>
    internal static string Recipe(string folder, string method, int steps, int epochs = 1)
    {
        var r = JsonNode.Parse(TinyCorpora.RecipeJson(method))!;
        r["training"]!["steps_per_epoch"] = steps;
        r["training"]!["max_epochs"] = epochs;
        r["training"]!["threads"] = 1;
        var path = Path.Combine(folder, method + ".json");
        File.WriteAllText(path, r.ToJsonString());
        return path;
    }

    internal static string Grid(string folder, string name, int[] folds, JsonArray testCorpora, params JsonObject[] runs)
    {
        var grid = new JsonObject
        {
            ["name"] = name, ["folds"] = new JsonArray(folds.Select(f => (JsonNode?)f).ToArray()), ["seeds"] = new JsonArray(0), ["fold_count"] = 5,
            ["test_corpora"] = testCorpora, ["runs"] = new JsonArray(runs), ["tsne"] = new JsonObject { ["enabled"] = false },
        };
        var path = Path.Combine(folder, name + ".json");
        File.WriteAllText(path, grid.ToJsonString());
        return path;
    }

    internal static JsonObject Run(string column, string recipe, params string[] evaluate) =>
        new() { ["column"] = column, ["recipe"] = recipe, ["evaluate"] = new JsonArray(evaluate.Select(e => (JsonNode?)e).ToArray()) };

    internal static JsonArray English => new(new JsonObject { ["kind"] = "manifest", ["root"] = "english.csv" });

    /// <summary>The local runner, in this process, with libtorch's thread count restored afterwards.</summary>
    internal static string RunLocally(SlurmCluster cluster, string grid, string outDir)
    {
        int threads = torch.get_num_threads();
        try { ExperimentRunner.Run(ExperimentRecipe.Load(grid), new ExperimentRunner.Options(outDir, cluster.Data, torch.CPU, Resume: false, Log: _ => { })); }
        finally { torch.set_num_threads(threads); }
        return File.ReadAllText(Path.Combine(outDir, "results.json"));
    }

    internal static JsonNode Status(string outDir)
    {
        var r = CliHarness.RunInProcess("experiment", "status", outDir, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        return JsonNode.Parse(r.Out)!;
    }

    /// <summary>results.json as parsed JSON (formatting aside): every metric, count, matrix, run folder and the split hash.</summary>
    internal static string Comparable(string resultsJson) => JsonNode.Parse(resultsJson)!.ToJsonString();

    [Fact]
    public void SlurmGridGivesTheLocalRunnersResults()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 3);
        Recipe(work.Path, "byol", steps: 3);
        var grid = Grid(work.Path, "two-by-two", [1, 2], English,
            Run("baseline", "baseline.json", "manifest"), Run("byol", "byol.json", "manifest"));
        var local = RunLocally(_cluster, grid, work.File("local"));

        var outDir = work.File("slurm");
        // Each task asks for a whole node's CPUs, so the two tasks at a time run on the two nodes.
        var r = _cluster.SubmitGrid(grid, outDir, "--wait", "--max-parallel", "2", "--cpus-per-task", Environment.ProcessorCount.ToString());
        Assert.True(r.ExitCode == 0, r.Err);
        var arrayLine = Assert.Single(r.OutLines, l => l.StartsWith("submitted job array "));
        var arrayJob = SlurmCluster.JobOf(r, "job array");
        Assert.Contains("4 of 4 cells (tasks 0-3, at most 2 at a time)", arrayLine);
        Assert.Single(r.OutLines, l => l.StartsWith("submitted report job ") && l.Contains($"after job array {arrayJob}"));

        // Identical results.json: every metric value, confusion matrix, count and the split hash.
        Assert.Equal(Comparable(local), Comparable(File.ReadAllText(Path.Combine(outDir, "results.json"))));
        Assert.True(File.Exists(Path.Combine(outDir, "report.md")));

        // The script stays in DIR with the array, requeue and signal; each task logged into its own file.
        var script = File.ReadAllText(Path.Combine(outDir, "slurm", "cells.sbatch"));
        foreach (var line in new[] { "#SBATCH --array=0-3%2", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@300", $"#SBATCH --cpus-per-task={Environment.ProcessorCount}", "#SBATCH --open-mode=append" })
            Assert.Contains(line, script);
        Assert.Contains("experiment run-cell", script);
        Assert.Contains("--max-requeues 3", script);

        var status = Status(outDir);
        Assert.Equal(4, status["total"]!.GetValue<int>());
        Assert.Equal(4, status["done"]!.GetValue<int>());
        foreach (var cell in status["cells"]!.AsArray())
        {
            int n = cell!["cell"]!.GetValue<int>();
            Assert.Equal($"{arrayJob}_{n}", cell["job"]!.GetValue<string>());
            Assert.Equal(n, cell["task"]!.GetValue<int>());
            Assert.Contains($"== cell {n}:", File.ReadAllText(cell["log"]!.GetValue<string>()));
        }
        // Both nodes worked on the grid, and status names each cell's host.
        Assert.Equal(new[] { "node1", "node2" }, status["cells"]!.AsArray().Select(c => c!["host"]!.GetValue<string>()).Distinct().Order());
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
        AssertSameMetrics(Path.Combine(work.File("local"), "runs", "baseline", "fold1-seed0", "metrics.jsonl"), metrics, 60);
    }

    /// <summary>The lines of <paramref name="metrics"/> equal the uninterrupted run's (speed aside), steps 1..<paramref name="steps"/> once each.</summary>
    internal static void AssertSameMetrics(string uninterrupted, string metrics, int steps)
    {
        static string Strip(JsonObject l) { l.Remove("steps_per_s"); l.Remove("input_wait_fraction"); return l.ToJsonString(); }
        var lines = File.ReadAllLines(metrics).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var localLines = File.ReadAllLines(uninterrupted).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(Enumerable.Range(1, steps), lines.Where(l => l["split"] == null).Select(l => l["step"]!.GetValue<int>()));
        Assert.Equal(localLines.Select(Strip), lines.Select(Strip));
    }

    internal static int CountOf(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;

    internal static void WaitForStep(string metrics, int step)
    {
        SlurmCluster.WaitUntil(() => File.Exists(metrics) && File.ReadAllLines(metrics).Any(l => l.Contains($"\"step\":{step},")),
            TimeSpan.FromMinutes(10), $"training did not reach step {step}", pollMs: 50);
    }

    /// <summary>Waits until the task is back in the queue, then lets it start now (Slurm holds a requeued job ~2 minutes).</summary>
    private void WaitForRequeue(string job) => WaitForRequeue(_cluster, job);

    internal static void WaitForRequeue(SlurmCluster cluster, string job)
    {
        SlurmCluster.WaitUntil(() => cluster.Tool("squeue", "-h", "-j", job, "-o", "%T").Trim() == "PENDING", TimeSpan.FromMinutes(5), $"{job} was not requeued");
        // Slurm revokes the killed instance's credential, stamped to the second; a new instance launched within that
        // same second carries a credential that counts as revoked ("Job credential revoked": the task fails at once).
        // Slurm's own ~2 minute hold avoids that; the test waits 2 s instead.
        Thread.Sleep(2000);
        cluster.Tool("scontrol", "update", $"JobId={job}", "StartTime=now");
    }

    [Fact]
    public void AFailingCellLeavesTheOthersAndIsResubmittedAlone()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 3);
        // The test corpus: the English clips copied and listed with their durations; session 2 (fold 2's test set) unreadable.
        var copies = Path.Combine(work.Path, "clips");
        Directory.CreateDirectory(copies);
        var rows = TestCsv.Rows(Path.Combine(_cluster.Data, "english.csv"));
        int pathColumn = Array.IndexOf(rows[0], "path");
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
        foreach (var f in unreadable) File.WriteAllBytes(f, "RIFF\0\0\0\0WAVE"u8.ToArray()); // a WAV header cut short

        var grid = Grid(work.Path, "failing", [1, 2], new JsonArray(new JsonObject { ["kind"] = "manifest", ["root"] = Path.Combine(work.Path, "test.csv") }),
            Run("baseline", "baseline.json", "manifest"));
        var outDir = work.File("slurm");
        var r = _cluster.SubmitGrid(grid, outDir, "--wait");
        Assert.Equal(1, r.ExitCode);
        var log = Path.Combine(outDir, "logs", "cell-1.log");
        var error = Assert.Single(r.ErrLines, l => l.StartsWith("error:")); // after the progress lines
        Assert.Equal(error, r.ErrLines[^1]);
        Assert.StartsWith($"error: {outDir}: 1 of 2 cells did not finish: cell 1 (baseline fold 2 seed 0) failed, log {log}", error);

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
        Assert.True(File.Exists(Path.Combine(outDir, "results.json")), File.Exists(reportLog) ? File.ReadAllText(reportLog) : "no report log");
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var baselineCells = results["cells"]!.AsArray().Where(c => c!["method"]!.GetValue<string>() == "baseline").ToList();
        Assert.Equal(new[] { "ok", "failed" }, baselineCells.Select(c => c!["status"]!.GetValue<string>()));
        // The reference rows of fold 2 read the same unreadable clips: failed with the clip's message, fold 1's fine.
        var references = results["cells"]!.AsArray().Where(c => c!["method"]!.GetValue<string>() != "baseline").ToList();
        Assert.Equal(new[] { "acoustic", "chance", "majority" }, references.Select(c => c!["method"]!.GetValue<string>()).Distinct().Order());
        Assert.All(references, c => Assert.Equal(c!["fold"]!.GetValue<int>() == 1 ? "ok" : "failed", c["status"]!.GetValue<string>()));

        // Repaired and resubmitted: only cell 1 runs; cell 0's model is not touched.
        foreach (var f in unreadable) File.Copy(Path.Combine(_cluster.Data, "en", Path.GetFileName(f)), f, overwrite: true);
        var model0 = Path.Combine(outDir, "runs", "baseline", "fold1-seed0", "model", "model.safetensors");
        var stamp = File.GetLastWriteTimeUtc(model0);
        r = _cluster.SubmitGrid(grid, outDir, "--wait", "--resume");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains(r.OutLines, l => l.StartsWith("submitted job array ") && l.Contains("1 of 2 cells (tasks 1)"));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(model0));
        var jobs = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "slurm", "jobs.json")))!["submissions"]!.AsArray();
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
        void Lock(string job) => File.WriteAllText(Path.Combine(runDir, "cell.lock"),
            $$"""{"host":"another-node","pid":1,"pid_start":1,"job":"{{job}}","started":"2026-01-01T00:00:00Z"}""");

        // A running job's task holds the cell, on whichever node it runs.
        var job = _cluster.Tool("sbatch", "--parsable", "--array=0", "-o", "/dev/null", "--wrap", "sleep 120").Trim() + "_0";
        SlurmCluster.WaitUntil(() => _cluster.Tool("squeue", "-h", "-j", job, "-o", "%T").Trim() == "RUNNING", TimeSpan.FromMinutes(5), $"{job} did not start");
        Lock(job);
        Assert.Null(CellClaim.TryAcquire(runDir, me, new SlurmCommands(), out var holder));
        Assert.Equal(job, holder!.Job);

        // Once Slurm says it ended, the lock is stale.
        _cluster.Tool("scancel", job);
        SlurmCluster.WaitUntil(() => _cluster.Tool("squeue", "-h", "-j", job, "-o", "%T").Trim() is not ("RUNNING" or "COMPLETING"), TimeSpan.FromMinutes(5), $"{job} did not end");
        using (var claim = CellClaim.TryAcquire(runDir, me, new SlurmCommands(), out _)) Assert.NotNull(claim);

        // A job the cluster never heard of (or has forgotten) holds nothing.
        Lock("987654_3");
        using (var claim = CellClaim.TryAcquire(runDir, me, new SlurmCommands(), out _)) Assert.NotNull(claim);
    }

    [Fact]
    public void BadSubmissionsAreRefusedWithOneLineAndSubmitNothing()
    {
        using var work = new TempDir();
        Recipe(work.Path, "baseline", steps: 3);
        var grid = Grid(work.Path, "refused", [1], English, Run("baseline", "baseline.json", "manifest"));
        string[] Args(string outDir, params string[] extra) => ["experiment", grid, "--data", _cluster.Data, "--out", outDir, "--slurm", .. extra];
        var queueBefore = _cluster.Tool("squeue", "-h", "-t", "all", "-o", "%i");

        // No sbatch on PATH.
        using var emptyPath = new TempDir();
        var noSbatch = work.File("no-sbatch");
        var r = CliHarness.RunChild(new Dictionary<string, string?> { ["PATH"] = emptyPath.Path }, Args(noSbatch));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("error: --slurm: sbatch not found on PATH (run on a machine with the Slurm client tools, e.g. a login node; without Slurm, leave out --slurm)", Assert.Single(r.ErrLines));
        Assert.False(Directory.Exists(noSbatch));

        // The controller does not answer (a configuration naming a port nobody listens on).
        var deadConf = work.File("dead.conf");
        File.WriteAllLines(deadConf, File.ReadAllLines(_cluster.Conf).Select(l => l.StartsWith("SlurmctldPort=") ? "SlurmctldPort=1" : l));
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
        r = CliHarness.RunInProcess("experiment", grid, "--out", work.File("local"), "--wait", "--sbatch-arg=--qos=high");
        Assert.Equal("error: experiment: --wait, --sbatch-arg need --slurm (see ./emolingua help experiment)", Assert.Single(r.ErrLines));
        Assert.False(Directory.Exists(work.File("local")));

        Assert.Equal(queueBefore, _cluster.Tool("squeue", "-h", "-t", "all", "-o", "%i"));
    }
}
