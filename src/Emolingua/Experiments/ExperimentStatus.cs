using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// <c>experiment status DIR</c>: each cell done, running, pending or failed, with its Slurm job and task, read from
/// DIR (cells.json, each run folder's cells.json / cell.lock / attempt.json, slurm/jobs.json), so it works after the
/// cluster has forgotten the jobs. Slurm, when it answers, only decides whether a lock's owner still runs and
/// whether a cell's task is still queued.
/// </summary>
public sealed class ExperimentStatus : IStatusReport
{
    public sealed class CellState
    {
        public int Cell { get; set; }
        public string Column { get; set; } = "";
        public string? Tag { get; set; }
        public int Fold { get; set; }
        public int Seed { get; set; }
        public string RunDir { get; set; } = "";
        public string State { get; set; } = TaskState.Pending;

        /// <summary>Slurm job id ("ARRAY_TASK") of the task that ran, runs or will run the cell.</summary>
        public string? Job { get; set; }
        public string? SlurmState { get; set; }
        public string? Host { get; set; }

        /// <summary>The task's log file (absolute), when there is one.</summary>
        public string? Log { get; set; }
        public string? Error { get; set; }

        /// <summary>The host of every start of the cell, oldest first (requeues after a node failure show the
        /// move).</summary>
        public List<string> AttemptHosts { get; set; } = new();

        [JsonIgnore]
        public string Describe => $"{Column}{(Tag is { } t ? $" ({t})" : "")} fold {Fold} seed {Seed}";

        /// <summary>The array task id, from the job id.</summary>
        public int? Task =>
            Job is { } j && j.IndexOf('_') is var u and > 0 && int.TryParse(j[(u + 1)..], out var t) ? t : null;
    }

    public string Name { get; set; } = "";
    public string Dir { get; set; } = "";
    public int Total { get; set; }

    [JsonPropertyName("done")]
    public int DoneCount { get; set; }

    [JsonPropertyName("running")]
    public int RunningCount { get; set; }

    [JsonPropertyName("pending")]
    public int PendingCount { get; set; }

    [JsonPropertyName("failed")]
    public int FailedCount { get; set; }
    public string? ReportJob { get; set; }
    public string? Results { get; set; }

    /// <summary>False when Slurm could not be asked (states then come from the files alone).</summary>
    public bool SlurmAnswered { get; set; }
    public List<CellState> Cells { get; set; } = new();

    public static ExperimentStatus Read(string outDir, SlurmCommands slurm)
    {
        var plan = ExperimentPlan.Load(outDir);
        var jobs = SlurmJobs<SlurmGrid.Submission>.Read(plan.OutDir);
        var latest = jobs.LatestJobByTask();
        var owners = plan.Cells.ToDictionary(c => c.Index, c => CellClaim.ReadOwner(plan.RunDir(c)));
        var attempts = plan.Cells.ToDictionary(c => c.Index, c => CellAttempt.Read(plan.RunDir(c)));
        var report = jobs.Submissions.LastOrDefault()?.ReportJob;
        var queue = SlurmQueue.Ask(
            latest
                .Values.Concat(owners.Values.Select(o => o?.Job))
                .Concat(attempts.Values.Select(a => a?.Owner?.Job))
                .Append(report),
            slurm
        );

        var status = new ExperimentStatus
        {
            Name = plan.Name,
            Dir = plan.OutDir,
            Total = plan.Cells.Count,
            SlurmAnswered = queue.Answered,
            ReportJob = report,
        };
        foreach (var cell in plan.Cells)
        {
            var s = new CellState
            {
                Cell = cell.Index,
                Column = cell.Column,
                Tag = cell.Tag,
                Fold = cell.Fold,
                Seed = cell.Seed,
                RunDir = cell.RunDir,
            };
            var owner = owners[cell.Index];
            var attempt = attempts[cell.Index];
            latest.TryGetValue(cell.Index, out var submittedJob);
            s.AttemptHosts = attempt?.Attempts.Select(a => a.Host).ToList() ?? new();
            // The task that last worked on the cell (a live lock's owner, else the last attempt's), else the one
            // submitted for it.
            var done = CellRunner.IsDone(plan, cell);
            var who = done ? attempt?.Owner : owner ?? attempt?.Owner;
            s.Job = who?.Job ?? submittedJob;
            s.Host = who?.Host;
            if (who?.Log != null)
                s.Log = Path.Combine(plan.OutDir, who.Log);
            (s.State, s.Error) = done
                ? (TaskState.Done, null)
                : TaskState.OfUnfinished(
                    owner,
                    attempt,
                    queue,
                    "the task ended without a result or a recorded error (killed: time limit, memory, node failure?); see its log"
                );
            if (s.Job != null && queue.StateOf(s.Job) is { } slurmState)
                s.SlurmState = slurmState;
            s.Log ??= File.Exists(Path.Combine(plan.OutDir, SlurmGrid.CellLogRelative(cell.Index)))
                ? Path.Combine(plan.OutDir, SlurmGrid.CellLogRelative(cell.Index))
                : null;
            status.Cells.Add(s);
        }
        (status.DoneCount, status.RunningCount, status.PendingCount, status.FailedCount) = TaskState.Count(
            status.Cells.Select(c => c.State).ToList()
        );
        var results = Path.Combine(plan.OutDir, "results.json");
        status.Results = File.Exists(results) ? results : null;
        return status;
    }

    /// <summary>Counts from the files alone (no Slurm call), for progress lines.</summary>
    public static string QuickCounts(ExperimentPlan plan)
    {
        int done = 0,
            running = 0,
            failed = 0;
        foreach (var c in plan.Cells)
        {
            if (CellRunner.IsDone(plan, c))
                done++;
            else if (File.Exists(CellClaim.PathOf(plan.RunDir(c))))
                running++;
            else if (CellAttempt.Read(plan.RunDir(c)) is { State: CellAttempt.StateFailed })
                failed++;
        }
        return $"{done}/{plan.Cells.Count} cells done, {running} running, {failed} failed";
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json.Indented);

    public string RenderText()
    {
        var sb = new StringBuilder();
        sb.Append(
            $"experiment '{Name}' in {Dir}: {Total} cells: {DoneCount} done, {RunningCount} running, {PendingCount} pending, {FailedCount} failed\n"
        );
        var w = Math.Max(6, Cells.Count == 0 ? 6 : Cells.Max(c => c.Column.Length + (c.Tag?.Length + 3 ?? 0)));
        sb.Append(
            $"{"cell".PadLeft(4)}  {"state".PadRight(8)} {"column".PadRight(w)} {"fold".PadLeft(4)} {"seed".PadLeft(4)}  {"job".PadRight(12)} {"host".PadRight(12)} log\n"
        );
        foreach (var c in Cells)
        {
            var column = c.Column + (c.Tag is { } t ? $" ({t})" : "");
            var job = (c.Job ?? "-") + (c.SlurmState is { } st && c.State != TaskState.Done ? $" {st}" : "");
            sb.Append(
                $"{$"{c.Cell}".PadLeft(4)}  {c.State.PadRight(8)} {column.PadRight(w)} {$"{c.Fold}".PadLeft(4)} {$"{c.Seed}".PadLeft(4)}  {job.PadRight(12)} {(c.Host ?? "-").PadRight(12)} {c.Log ?? "-"}\n"
            );
            if (c.State == TaskState.Failed && c.Error != null)
                sb.Append($"      error: {c.Error}\n");
        }
        if (ReportJob != null)
            sb.Append($"report job: {ReportJob}\n");
        sb.Append(Results != null ? $"results: {Results}\n" : "results: not written yet\n");
        if (!SlurmAnswered && Cells.Any(c => c.Job != null))
            sb.Append("(Slurm did not answer: states come from the files alone)\n");
        var failed = Cells.Where(c => c.State == TaskState.Failed).Select(c => c.Cell).ToList();
        if (failed.Count > 0)
        {
            sb.Append(
                $"resubmit the failed cells: rerun the same ./emolingua experiment ... --slurm command with --resume "
                    + $"(or sbatch --array={SlurmGrid.ArraySpec(failed)} {Path.Combine(Dir, SlurmGrid.CellsScript)}, then the report)\n"
            );
        }

        return sb.ToString();
    }
}
