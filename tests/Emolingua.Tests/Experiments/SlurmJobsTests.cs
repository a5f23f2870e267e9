using System.Text.Json.Nodes;
using Emolingua.Experiments;
using static Emolingua.Tests.Experiments.SlurmGridFixture;

namespace Emolingua.Tests.Experiments;

/// <summary>
/// What a grid's and a prediction's Slurm submissions share (jobs.json, the clock slack, the queue states) and the
/// plan's training recipes, read once: checked without a cluster, against hand-written files and values.
/// </summary>
public class SlurmJobsTests
{
    [Fact]
    public void JobsJsonKeepsEachKindsKeysAndTheLastSubmissionOfATaskWins()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("slurm"));
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var grid = SlurmJobs<SlurmGrid.Submission>.Read(dir.Path);
        Assert.Empty(grid.Submissions);
        grid.Add(
            dir.Path,
            new SlurmGrid.Submission
            {
                ArrayJob = "10",
                ReportJob = "11",
                Cells = [0, 1, 2],
                Submitted = at,
            }
        );
        grid.Add(
            dir.Path,
            new SlurmGrid.Submission
            {
                ArrayJob = "12",
                ReportJob = "13",
                Cells = [1],
                Submitted = at,
            }
        );
        grid.Add(
            dir.Path,
            new SlurmGrid.Submission
            {
                ArrayJob = null,
                ReportJob = "14",
                Cells = [],
                Submitted = at,
            }
        );
        // The file as it was before SlurmJobs: these keys in this order, nulls left out.
        var expected = """
            {"submissions":[
              {"array_job":"10","report_job":"11","cells":[0,1,2],"submitted":"2026-01-02T03:04:05Z"},
              {"array_job":"12","report_job":"13","cells":[1],"submitted":"2026-01-02T03:04:05Z"},
              {"report_job":"14","cells":[],"submitted":"2026-01-02T03:04:05Z"}]}
            """;
        var path = Path.Combine(dir.Path, "slurm", "jobs.json");
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), JsonNode.Parse(File.ReadAllText(path))!.ToJsonString());
        var read = SlurmJobs<SlurmGrid.Submission>.Read(dir.Path);
        Assert.Equal(
            new Dictionary<int, string>
            {
                [0] = "10_0",
                [1] = "12_1",
                [2] = "10_2",
            },
            read.LatestJobByTask()
        );
        Assert.Equal("14", read.Submissions[^1].ReportJob);

        using var predict = new TempDir();
        Directory.CreateDirectory(predict.File("slurm"));
        SlurmJobs<SlurmPrediction.Submission>
            .Read(predict.Path)
            .Add(
                predict.Path,
                new SlurmPrediction.Submission
                {
                    ArrayJob = "20",
                    MergeJob = "21",
                    Shards = [0, 1],
                    Submitted = at,
                }
            );
        Assert.Equal(
            JsonNode
                .Parse(
                    """{"submissions":[{"array_job":"20","merge_job":"21","shards":[0,1],"submitted":"2026-01-02T03:04:05Z"}]}"""
                )!
                .ToJsonString(),
            JsonNode.Parse(File.ReadAllText(Path.Combine(predict.Path, "slurm", "jobs.json")))!.ToJsonString()
        );
    }

    [Fact]
    public void AFileCountsAsTheJobsWhenAtMostFiveSecondsOlderThanTheSubmission()
    {
        using var dir = new TempDir();
        var file = dir.File("results.json");
        var submitted = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Assert.False(SlurmJobs.WrittenSince(file, submitted));
        File.WriteAllText(file, "{}");
        File.SetLastWriteTimeUtc(file, submitted.AddSeconds(-4.5));
        Assert.True(SlurmJobs.WrittenSince(file, submitted));
        File.SetLastWriteTimeUtc(file, submitted.AddSeconds(-5.5));
        Assert.False(SlurmJobs.WrittenSince(file, submitted));
    }

    [Theory]
    [InlineData("PENDING", true, false)]
    [InlineData("REQUEUED", true, false)]
    [InlineData("REQUEUE_HOLD", true, false)]
    [InlineData("RUNNING", false, true)]
    [InlineData("COMPLETING", false, true)]
    [InlineData("SUSPENDED", false, true)]
    [InlineData("COMPLETED", false, false)]
    [InlineData("FAILED", false, false)]
    [InlineData("CANCELLED", false, false)]
    [InlineData(null, false, false)]
    public void QueueStatesAreQueuedActiveOrEnded(string? state, bool queued, bool active)
    {
        Assert.Equal(queued, SlurmJobState.IsQueued(state));
        Assert.Equal(active, SlurmJobState.IsActive(state));
        Assert.Equal(queued || active, SlurmJobState.IsUnfinished(state));
    }

    [Fact]
    public void ThePlanReadsEachTrainingRecipeOnce()
    {
        using var work = new TempDir();
        var recipe = Recipe(work.Path, "baseline", steps: 3);
        var grid = Grid(work.Path, "once", [1, 2], English, Run("baseline", "baseline.json", "manifest"));
        var planned = ExperimentPlan.Create(ExperimentRecipe.Load(grid), work.File("out"), null, "cpu");
        planned.Save();
        var loaded = ExperimentPlan.Load(work.File("out"));
        // not checked against its recipe yet
        Assert.Throws<InvalidOperationException>(() => loaded.TrainingRecipe(loaded.Cells[0]));
        loaded.LoadRecipe();

        // The training recipe edited on disk after planning: every process keeps what it read when it planned or
        // checked the plan.
        var edited = JsonNode.Parse(File.ReadAllText(recipe))!;
        edited["training"]!["steps_per_epoch"] = 7;
        File.WriteAllText(recipe, edited.ToJsonString());
        foreach (var plan in new[] { planned, loaded })
        {
            Assert.Equal([1, 2], plan.Cells.Select(c => plan.TrainingRecipe(c).Data.Fold));
            Assert.All(plan.Cells, c => Assert.Equal(3, plan.TrainingRecipe(c).Training.StepsPerEpoch));
        }
    }
}
