using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>One sbatch pair of a grid or a prediction: a job array over some tasks (cells or shards), then the job
/// after it (report or merge).</summary>
public interface ISlurmSubmission
{
    /// <summary>The array job id, or null when every task was already done or running.</summary>
    string? ArrayJob { get; }

    /// <summary>The array's task ids (cell or shard numbers).</summary>
    IReadOnlyList<int> Tasks { get; }
}

/// <summary>
/// DIR/slurm/jobs.json of a grid or a prediction: every submission, oldest first, so that <c>status</c> and
/// <c>--resume</c> can tell from the folder which Slurm task last ran each cell or shard.
/// </summary>
public sealed class SlurmJobs<TSubmission>
    where TSubmission : ISlurmSubmission
{
    [JsonPropertyName("submissions")]
    public List<TSubmission> Submissions { get; set; } = new();

    /// <summary>The Slurm job id ("ARRAY_N") of the last submission that included each task.</summary>
    public Dictionary<int, string> LatestJobByTask()
    {
        var jobs = new Dictionary<int, string>();
        foreach (var s in Submissions.Where(s => s.ArrayJob != null))
        {
            foreach (var task in s.Tasks)
                jobs[task] = $"{s.ArrayJob}_{task}";
        }

        return jobs;
    }

    /// <summary>DIR's record; empty when nothing was submitted yet.</summary>
    public static SlurmJobs<TSubmission> Read(string dir)
    {
        var path = Path.Combine(dir, SlurmJobs.FileName);
        if (!File.Exists(path))
            return new();
        try
        {
            return JsonSerializer.Deserialize<SlurmJobs<TSubmission>>(File.ReadAllText(path), Json.Indented) ?? new();
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, $"not valid JSON: {e.Message}");
        }
    }

    /// <summary>Adds a submission to DIR's record (written atomically).</summary>
    public void Add(string dir, TSubmission submission)
    {
        Submissions.Add(submission);
        AtomicFile.WriteAllText(
            Path.Combine(dir, SlurmJobs.FileName),
            JsonSerializer.Serialize(this, Json.Indented) + "\n"
        );
    }

    /// <summary>
    /// The tasks to submit: not done, not still held by Slurm from an earlier submission (pending or running: a new
    /// task would only wait on their lock), and not claimed by a live process.
    /// </summary>
    /// <param name="folderOf">The folder holding a task's claim (cell.lock).</param>
    public List<int> ToSubmit(
        IEnumerable<int> tasks,
        Func<int, bool> isDone,
        Func<int, string> folderOf,
        SlurmCommands slurm
    )
    {
        var latest = LatestJobByTask();
        var states = latest.Count == 0 ? new() : slurm.JobStates(latest.Values.Select(j => j.Split('_')[0]));
        bool Queued(int task) =>
            latest.TryGetValue(task, out var job)
            && states.TryGetValue(job, out var s)
            && SlurmJobState.IsUnfinished(s);
        return tasks
            .Where(t =>
                !isDone(t)
                && !Queued(t)
                && !(CellClaim.ReadOwner(folderOf(t)) is { } owner && owner.IsAlive(slurm.JobStateProbe))
            )
            .ToList();
    }
}

/// <summary>What a grid's and a prediction's Slurm submissions share besides their record: the file, the wait, the
/// clock slack.</summary>
public static class SlurmJobs
{
    public const string FileName = "slurm/jobs.json";

    /// <summary>
    /// How much older than the submission a file the final job wrote may look and still count as written by it: the
    /// job runs on another node, whose clock (or the file server's, which stamps the file) may lag the submitting
    /// host's.
    /// </summary>
    public static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(5);

    /// <summary>Whether the file exists and was written by a job of a submission made at <paramref name="submitted"/>
    /// (UTC).</summary>
    public static bool WrittenSince(string path, DateTime submitted) =>
        File.Exists(path) && File.GetLastWriteTimeUtc(path) >= submitted - ClockSlack;

    /// <summary>
    /// Blocks until Slurm says the job has ended (or forgot it), logging each new progress line. Polls every second for
    /// the first minute (short runs), then every 5 s, unless <paramref name="poll"/> says otherwise.
    /// </summary>
    /// <param name="what">The job's role in messages ("report job").</param>
    /// <param name="progress">The line to log now, or null for none; logged only when it differs from the last one
    /// logged.</param>
    public static void WaitForEnd(
        SlurmCommands slurm,
        string job,
        string what,
        TimeSpan? poll,
        Action<string> log,
        Func<string?> progress
    )
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var last = "";
        var warned = false;
        while (true)
        {
            var state = slurm.TryJobState(job, out var answered);
            if (answered && !SlurmJobState.IsUnfinished(state))
                break;
            if (!answered && !warned)
            {
                log($"waiting: Slurm does not answer; still waiting for {what} {job}");
                warned = true;
            }
            if (progress() is { } line && line != last)
            {
                log(line);
                last = line;
            }
            Thread.Sleep(poll ?? TimeSpan.FromSeconds(watch.Elapsed < TimeSpan.FromMinutes(1) ? 1 : 5));
        }
    }
}
