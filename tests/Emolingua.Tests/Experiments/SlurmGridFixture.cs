using System.Text.Json.Nodes;
using Emolingua.Experiments;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Training;
using TorchSharp;

namespace Emolingua.Tests.Experiments;

/// <summary>Grids, recipes and waits shared by the tests on a real Slurm cluster
/// (<see cref="SlurmCluster"/>).</summary>
internal static class SlurmGridFixture
{
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

    internal static string Grid(
        string folder,
        string name,
        int[] folds,
        JsonArray testCorpora,
        params JsonObject[] runs
    )
    {
        var grid = new JsonObject
        {
            ["name"] = name,
            ["folds"] = new JsonArray(folds.Select(f => (JsonNode?)f).ToArray()),
            ["seeds"] = new JsonArray(0),
            ["fold_count"] = 5,
            ["test_corpora"] = testCorpora,
            ["runs"] = new JsonArray(runs),
            ["tsne"] = new JsonObject { ["enabled"] = false },
        };
        var path = Path.Combine(folder, name + ".json");
        File.WriteAllText(path, grid.ToJsonString());
        return path;
    }

    internal static JsonObject Run(string column, string recipe, params string[] evaluate) =>
        new()
        {
            ["column"] = column,
            ["recipe"] = recipe,
            ["evaluate"] = new JsonArray(evaluate.Select(e => (JsonNode?)e).ToArray()),
        };

    internal static JsonArray English => new(new JsonObject { ["kind"] = "manifest", ["root"] = "english.csv" });

    /// <summary>The local runner, in this process, with libtorch's thread count restored afterwards.</summary>
    internal static string RunLocally(SlurmCluster cluster, string grid, string outDir)
    {
        var threads = torch.get_num_threads();
        try
        {
            ExperimentRunner.Run(
                ExperimentRecipe.Load(grid),
                new ExperimentRunner.Options(outDir, cluster.Data, torch.CPU, Resume: false, Log: _ => { })
            );
        }
        finally
        {
            torch.set_num_threads(threads);
        }
        return File.ReadAllText(Path.Combine(outDir, "results.json"));
    }

    internal static JsonNode Status(string outDir)
    {
        var r = CliHarness.RunInProcess("experiment", "status", outDir, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        return JsonNode.Parse(r.Out)!;
    }

    /// <summary>results.json as parsed JSON (formatting aside): every metric, count, matrix, run folder and the split
    /// hash.</summary>
    internal static string Comparable(string resultsJson) => JsonNode.Parse(resultsJson)!.ToJsonString();

    /// <summary>The lines of <paramref name="metrics"/> equal the uninterrupted run's (speed aside), steps
    /// 1..<paramref name="steps"/> once each.</summary>
    internal static void AssertSameMetrics(string uninterrupted, string metrics, int steps)
    {
        var lines = File.ReadAllLines(metrics).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var localLines = File.ReadAllLines(uninterrupted).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(
            Enumerable.Range(1, steps),
            lines.Where(l => l["split"] == null).Select(l => l["step"]!.GetValue<int>())
        );
        Assert.Equal(localLines.Select(ResumedRun.WithoutSpeed), lines.Select(ResumedRun.WithoutSpeed));
    }

    internal static int CountOf(string text, string what) =>
        (text.Length - text.Replace(what, "").Length) / what.Length;

    internal static void WaitForStep(string metrics, int step)
    {
        SlurmCluster.WaitUntil(
            () => File.Exists(metrics) && File.ReadAllLines(metrics).Any(l => l.Contains($"\"step\":{step},")),
            TimeSpan.FromMinutes(10),
            $"training did not reach step {step}",
            pollMs: 50
        );
    }

    /// <summary>Waits until the task is back in the queue, then lets it start now (Slurm holds a requeued job ~2
    /// minutes).</summary>
    internal static void WaitForRequeue(SlurmCluster cluster, string job)
    {
        SlurmCluster.WaitUntil(
            () => cluster.Tool("squeue", "-h", "-j", job, "-o", "%T").Trim() == "PENDING",
            TimeSpan.FromMinutes(5),
            $"{job} was not requeued"
        );
        // Slurm revokes the killed instance's credential, stamped to the second; a new instance launched within that
        // same second carries a credential that counts as revoked ("Job credential revoked": the task fails at once).
        // Slurm's own ~2 minute hold avoids that; the test waits 2 s instead.
        Thread.Sleep(2000);
        cluster.Tool("scontrol", "update", $"JobId={job}", "StartTime=now");
    }
}
