using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// <c>predict status OUT.d</c>: each shard of a <c>predict --slurm</c> run done, running, pending or failed, with its
/// files done / total, Slurm job, host and log, read from OUT.d (shards/K/attempt.json, cell.lock, progress.json,
/// slurm/jobs.json) as <see cref="ExperimentStatus"/> reads a grid: Slurm, when it answers, only tells whether a
/// shard's task still runs or is queued.
/// </summary>
public sealed class PredictionStatus : IStatusReport
{
    public sealed class ShardState
    {
        public int Shard { get; set; }
        public string State { get; set; } = TaskState.Pending;
        public int Files { get; set; }
        public int FilesDone { get; set; }
        public int FilesFailed { get; set; }
        public string? Job { get; set; }
        public string? SlurmState { get; set; }
        public string? Host { get; set; }
        public List<string> AttemptHosts { get; set; } = new();
        public string? Log { get; set; }
        public string? Error { get; set; }
    }

    public string Dir { get; set; } = "";
    public string Out { get; set; } = "";
    public int Files { get; set; }
    public int FilesDone { get; set; }

    [JsonPropertyName("files_failed")]
    public int FailedFiles { get; set; }
    public int Total { get; set; }

    [JsonPropertyName("done")]
    public int DoneCount { get; set; }

    [JsonPropertyName("running")]
    public int RunningCount { get; set; }

    [JsonPropertyName("pending")]
    public int PendingCount { get; set; }

    [JsonPropertyName("failed")]
    public int FailedCount { get; set; }
    public string? MergeJob { get; set; }
    public string? MergeState { get; set; }

    /// <summary>The merged CSV, once the merge job has written it.</summary>
    public string? Merged { get; set; }
    public bool SlurmAnswered { get; set; }
    public List<ShardState> Shards { get; set; } = new();

    public static PredictionStatus Read(string workDir, SlurmCommands slurm)
    {
        workDir = Path.GetFullPath(workDir);
        var settings = SlurmPrediction.ReadSettings(workDir);
        var jobs = SlurmJobs<SlurmPrediction.Submission>.Read(workDir);
        var latest = jobs.LatestJobByTask();
        var shards = Enumerable.Range(0, settings.Shards).ToList();
        var owners = shards.ToDictionary(k => k, k => CellClaim.ReadOwner(SlurmPrediction.ShardDir(workDir, k)));
        var attempts = shards.ToDictionary(k => k, k => CellAttempt.Read(SlurmPrediction.ShardDir(workDir, k)));
        var merge = jobs.Submissions.LastOrDefault()?.MergeJob;
        var queue = SlurmQueue.Ask(latest.Values.Concat(owners.Values.Select(o => o?.Job)).Append(merge), slurm);

        var status = new PredictionStatus
        {
            Dir = workDir,
            Out = settings.Out,
            Files = settings.Files,
            Total = settings.Shards,
            SlurmAnswered = queue.Answered,
            MergeJob = merge,
            MergeState = merge != null ? queue.StateOf(merge) : null,
        };
        foreach (var k in shards)
        {
            var (start, end) = settings.Range(k);
            var progress = SlurmPrediction.ReadProgress(workDir, k);
            var s = new ShardState
            {
                Shard = k,
                Files = end - start,
                FilesDone = progress?.Done ?? 0,
                FilesFailed = progress?.Failed ?? 0,
            };
            var owner = owners[k];
            var attempt = attempts[k];
            latest.TryGetValue(k, out var submitted);
            var who = owner ?? attempt?.Owner;
            s.Job = who?.Job ?? submitted;
            s.Host = who?.Host;
            s.AttemptHosts = attempt?.Attempts.Select(a => a.Host).ToList() ?? new();
            (s.State, s.Error) = attempt is { State: CellAttempt.StateDone }
                ? (TaskState.Done, null)
                : TaskState.OfUnfinished(
                    owner,
                    attempt,
                    queue,
                    "the task ended without finishing (killed: time limit, memory, node failure?); see its log"
                );
            if (s.Job != null && queue.StateOf(s.Job) is { } slurmState)
                s.SlurmState = slurmState;
            var log = Path.Combine(workDir, SlurmPrediction.ShardLog(k));
            s.Log = File.Exists(log) ? log : null;
            status.Shards.Add(s);
        }
        status.FilesDone = status.Shards.Sum(s => s.FilesDone);
        status.FailedFiles = status.Shards.Sum(s => s.FilesFailed);
        (status.DoneCount, status.RunningCount, status.PendingCount, status.FailedCount) = TaskState.Count(
            status.Shards.Select(s => s.State).ToList()
        );
        var submittedLast = jobs.Submissions.LastOrDefault()?.Submitted;
        status.Merged =
            (
                submittedLast == null
                    ? File.Exists(settings.Out)
                    : SlurmJobs.WrittenSince(settings.Out, submittedLast.Value)
            )
                ? settings.Out
                : null;
        return status;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json.Indented);

    public string RenderText()
    {
        var sb = new StringBuilder();
        sb.Append(
            $"predict in {Dir}: {Files} files in {Total} shards: {DoneCount} done, {RunningCount} running, {PendingCount} pending, {FailedCount} failed; "
                + $"{FilesDone}/{Files} files done, {FailedFiles} failed\n"
        );
        sb.Append(
            $"{"shard".PadLeft(5)}  {"state".PadRight(8)} {"files".PadLeft(13)}  {"job".PadRight(14)} {"host".PadRight(10)} log\n"
        );
        foreach (var s in Shards)
        {
            var job = (s.Job ?? "-") + (s.SlurmState is { } st && s.State != TaskState.Done ? $" {st}" : "");
            sb.Append(
                $"{$"{s.Shard}".PadLeft(5)}  {s.State.PadRight(8)} {$"{s.FilesDone}/{s.Files}".PadLeft(13)}  {job.PadRight(14)} {(s.Host ?? "-").PadRight(10)} {s.Log ?? "-"}\n"
            );
            if (s.AttemptHosts.Count > 1)
                sb.Append($"       attempts on: {string.Join(", ", s.AttemptHosts)}\n");
            if (s.State == TaskState.Failed && s.Error != null)
                sb.Append($"       error: {s.Error}\n");
        }
        if (MergeJob != null)
        {
            sb.Append(
                $"merge job: {MergeJob}{(MergeState != null ? $" {MergeState}" : "")}, log {Path.Combine(Dir, SlurmPrediction.MergeLog)}\n"
            );
        }

        sb.Append(Merged != null ? $"merged: {Merged}\n" : "merged: not written yet\n");
        if (!SlurmAnswered && Shards.Any(s => s.Job != null))
            sb.Append("(Slurm did not answer: states come from the files alone)\n");
        if (FailedCount > 0)
        {
            sb.Append(
                "resubmit the failed shards: rerun the same ./emolingua predict ... --slurm command with --resume\n"
            );
        }

        return sb.ToString();
    }
}
