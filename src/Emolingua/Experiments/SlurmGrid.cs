using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Emolingua.Evaluation;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// <c>experiment RECIPE --out DIR --slurm</c>: writes the plan (DIR/cells.json), then submits ONE Slurm job array with
/// a task per unfinished cell (task N runs <c>experiment run-cell DIR --cell N</c>) and a report job that runs after
/// the whole array (afterany) and writes results.json, report.md and plots/. The batch scripts stay in DIR/slurm/, task
/// logs in DIR/logs/, the job ids of every submission in DIR/slurm/jobs.json. Only the shared file system links
/// the tasks: no service besides Slurm itself.
/// </summary>
public static class SlurmGrid
{
    public sealed record Options(
        bool Wait = false,
        int? MaxParallel = null,
        string? Partition = null,
        string? Time = null,
        int? CpusPerTask = null,
        string? Mem = null,
        int? GpusPerTask = null,
        IReadOnlyList<string>? SbatchArgs = null,
        TimeSpan? PollInterval = null,
        int MaxRequeues = DefaultMaxRequeues
    );

    /// <summary>How often a cell's task may be started again (USR1, preemption, node failure) before the cell
    /// fails.</summary>
    public const int DefaultMaxRequeues = 3;

    public const string CellsScript = "slurm/cells.sbatch";
    public const string ReportScript = "slurm/report.sbatch";
    public const string ReportLog = "logs/report.log";

    /// <summary>Seconds before the time limit at which Slurm sends SIGUSR1 (checkpoint and requeue), when --time
    /// allows.</summary>
    public const int DefaultSignalSeconds = 300;

    public static string CellLogRelative(int cell) => $"logs/cell-{cell}.log";

    /// <summary>One sbatch call pair: the array (null when every cell was already done or running) and its report
    /// job.</summary>
    public sealed class Submission : ISlurmSubmission
    {
        [JsonPropertyName("array_job")]
        public string? ArrayJob { get; set; }

        [JsonPropertyName("report_job")]
        public string ReportJob { get; set; } = "";

        [JsonPropertyName("cells")]
        public List<int> Cells { get; set; } = new();

        [JsonPropertyName("submitted")]
        public DateTime Submitted { get; set; }

        IReadOnlyList<int> ISlurmSubmission.Tasks => Cells;
    }

    /// <summary>Submits the planned grid; with <see cref="Options.Wait"/> blocks until the report job has
    /// ended.</summary>
    /// <param name="plan">Made from <paramref name="exp"/> (<see cref="ExperimentPlan.Create"/>); written into its
    /// folder once Slurm accepts the request.</param>
    /// <param name="launcher">The command that runs the Emolingua CLI on a compute node (e.g. the dotnet host and
    /// Emolingua.Cli.dll).</param>
    /// <param name="print">Job ids and the final summary (stdout).</param>
    /// <param name="log">Progress (stderr).</param>
    /// <returns>The report of a --wait run, else null.</returns>
    public static ExperimentReport? Submit(
        ExperimentPlan plan,
        ExperimentRecipe exp,
        bool resume,
        Options o,
        IReadOnlyList<string> launcher,
        Action<string> print,
        Action<string> log,
        SlurmCommands? slurm = null
    )
    {
        slurm ??= new SlurmCommands();
        var outDir = plan.OutDir;
        if (File.Exists(Path.Combine(outDir, "results.json")) && !resume)
        {
            throw new EmolinguaException(
                outDir,
                "already holds experiment results; pass --resume to submit its unfinished cells or choose another --out"
            );
        }

        if (SlurmCommands.Find("sbatch") == null)
        {
            throw new EmolinguaException(
                "--slurm: sbatch not found on PATH (run on a machine with the Slurm client tools, e.g. a login node; without Slurm, leave out --slurm)"
            );
        }

        slurm.RequireController();

        // Not submitted again: finished cells, cells whose earlier task Slurm still holds, cells a live process runs.
        var jobs = SlurmJobs<Submission>.Read(outDir);
        var todo = jobs.ToSubmit(
            plan.Cells.Select(c => c.Index),
            i => CellRunner.IsDone(plan, plan.Cells[i]),
            i => plan.RunDir(plan.Cells[i]),
            slurm
        );

        var cpus = o.CpusPerTask ?? DefaultCpus(plan);
        var gpus = o.GpusPerTask ?? (plan.Device == "cuda" ? 1 : null);
        var cellsScript = CellsScriptText(exp, plan, o, cpus, gpus, launcher);
        var reportScript = ReportScriptText(exp, plan, o, launcher);
        var arrayOption = $"--array={ArraySpec(todo)}{(o.MaxParallel is { } k ? $"%{k}" : "")}";
        // Slurm checks the request (partition, time, resources) before anything is written or submitted.
        if (todo.Count > 0)
            slurm.TestSubmission([arrayOption], cellsScript);
        else
            slurm.TestSubmission([], reportScript);

        Directory.CreateDirectory(Path.Combine(outDir, "slurm"));
        Directory.CreateDirectory(Path.Combine(outDir, "logs"));
        plan.Save();
        AtomicFile.WriteAllText(Path.Combine(outDir, CellsScript), cellsScript);
        AtomicFile.WriteAllText(Path.Combine(outDir, ReportScript), reportScript);

        var submittedAt = DateTime.UtcNow;
        string? arrayJob = null;
        if (todo.Count > 0)
        {
            arrayJob = slurm.Submit([arrayOption], Path.Combine(outDir, CellsScript));
            print(
                $"submitted job array {arrayJob}: {todo.Count} of {plan.Cells.Count} cells (tasks {ArraySpec(todo)}{(o.MaxParallel is { } m ? $", at most {m} at a time" : "")}), {cpus} CPU{(cpus == 1 ? "" : "s")}{(gpus is { } g ? $" and {g} GPU{(g == 1 ? "" : "s")}" : "")} each"
            );
        }
        else
        {
            print(
                $"no cells to submit: {plan.Cells.Count(c => CellRunner.IsDone(plan, c))} done, the rest running or queued"
            );
        }

        var reportJob = slurm.Submit(
            arrayJob != null ? [$"--dependency=afterany:{arrayJob}"] : [],
            Path.Combine(outDir, ReportScript)
        );
        print($"submitted report job {reportJob}{(arrayJob != null ? $" (after job array {arrayJob})" : "")}");
        jobs.Add(
            outDir,
            new Submission
            {
                ArrayJob = arrayJob,
                ReportJob = reportJob,
                Cells = todo,
                Submitted = submittedAt,
            }
        );
        print(
            $"scripts: {Path.Combine(outDir, "slurm")}/, logs: {Path.Combine(outDir, "logs")}/; progress: ./emolingua experiment status {outDir}"
        );
        if (!o.Wait)
            return null;
        return Wait(plan, reportJob, submittedAt, o.PollInterval, slurm, log);
    }

    /// <summary>The recipes' thread setting (the largest in the grid), else 1.</summary>
    private static int DefaultCpus(ExperimentPlan plan) =>
        plan.Cells.Select(c => plan.TrainingRecipe(c).Training.Threads ?? 1).DefaultIfEmpty(1).Max();

    /// <summary>"0-3,5,7-8": Slurm's --array syntax for the cell numbers.</summary>
    public static string ArraySpec(IReadOnlyList<int> cells)
    {
        var parts = new List<string>();
        var i = 0;
        while (i < cells.Count)
        {
            var j = i;
            while (j + 1 < cells.Count && cells[j + 1] == cells[j] + 1)
                j++;
            parts.Add(j == i ? cells[i].ToString(CultureInfo.InvariantCulture) : $"{cells[i]}-{cells[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    private static string CellsScriptText(
        ExperimentRecipe exp,
        ExperimentPlan plan,
        Options o,
        int cpus,
        int? gpus,
        IReadOnlyList<string> launcher
    )
    {
        var all = ArraySpec(plan.Cells.Select(c => c.Index).ToList());
        var sb = new StringBuilder("#!/bin/bash\n");
        sb.Append(
            $"# Emolingua experiment '{exp.Name}': one array task per cell of {plan.PathIn} (task N runs cell N).\n"
        );
        sb.Append(
            "# Written by ./emolingua experiment --slurm. Read, edit and resubmit it as you like; a finished cell is never run\n"
        );
        sb.Append(
            "# twice, so resubmitting the whole array runs only the unfinished cells. Only some cells, e.g. 3 and 5:\n"
        );
        sb.Append($"#   sbatch --array=3,5 {Path.Combine(plan.OutDir, CellsScript)}\n");
        sb.Append(
            $"# then the report: sbatch {Path.Combine(plan.OutDir, ReportScript)} (or ./emolingua experiment report {plan.OutDir}).\n"
        );
        sb.Append(
            "# SIGUSR1 before the time limit: the task checkpoints and requeues itself; a requeued task resumes its checkpoint.\n"
        );
        sb.Append(
            $"# A node failure requeues the task too (--requeue); past {o.MaxRequeues} requeues of the same job the cell fails (--max-requeues).\n"
        );
        sb.Append($"#SBATCH --job-name={JobName(exp, "cells")}\n");
        sb.Append($"#SBATCH --array={all}{(o.MaxParallel is { } k ? $"%{k}" : "")}\n");
        sb.Append($"#SBATCH --output={plan.OutDir}/logs/cell-%a.log\n");
        sb.Append("#SBATCH --open-mode=append\n");
        sb.Append("#SBATCH --requeue\n");
        sb.Append($"#SBATCH --signal=B:USR1@{SignalSeconds(o.Time)}\n");
        sb.Append($"#SBATCH --cpus-per-task={cpus}\n");
        if (gpus is { } g)
            sb.Append($"#SBATCH --gpus-per-task={g}\n");
        AppendCommon(sb, o);
        sb.Append(
            $"exec {string.Join(' ', launcher.Select(ShellQuote))} experiment run-cell {ShellQuote(plan.OutDir)} --cell \"$SLURM_ARRAY_TASK_ID\" --max-requeues {o.MaxRequeues}\n"
        );
        return sb.ToString();
    }

    private static string ReportScriptText(
        ExperimentRecipe exp,
        ExperimentPlan plan,
        Options o,
        IReadOnlyList<string> launcher
    )
    {
        var sb = new StringBuilder("#!/bin/bash\n");
        sb.Append(
            $"# Emolingua experiment '{exp.Name}': results.json, report.md and plots/ from every cell's run folder.\n"
        );
        sb.Append(
            "# Submitted after the cell array (--dependency=afterany:ARRAY); cells that did not finish appear as failed.\n"
        );
        sb.Append($"#SBATCH --job-name={JobName(exp, "report")}\n");
        sb.Append($"#SBATCH --output={plan.OutDir}/{ReportLog}\n");
        sb.Append("#SBATCH --open-mode=append\n");
        sb.Append("#SBATCH --cpus-per-task=1\n");
        AppendCommon(sb, o);
        sb.Append(
            $"exec {string.Join(' ', launcher.Select(ShellQuote))} experiment report {ShellQuote(plan.OutDir)}\n"
        );
        return sb.ToString();
    }

    /// <summary>The #SBATCH lines every script of a submission shares (partition, time, memory, extra
    /// arguments).</summary>
    internal static void AppendCommon(StringBuilder sb, Options o)
    {
        if (o.Partition != null)
            sb.Append($"#SBATCH --partition={o.Partition}\n");
        if (o.Time != null)
            sb.Append($"#SBATCH --time={o.Time}\n");
        if (o.Mem != null)
            sb.Append($"#SBATCH --mem={o.Mem}\n");
        foreach (var arg in o.SbatchArgs ?? [])
            sb.Append($"#SBATCH {arg}\n");
    }

    private static string JobName(ExperimentRecipe exp, string what)
    {
        var name = new string(
            exp.Name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '-').ToArray()
        );
        return $"emolingua-{(name.Length > 0 ? name + "-" : "")}{what}";
    }

    /// <summary>The USR1 lead time: 5 minutes, or a tenth of a shorter limit (at least 30 s).</summary>
    public static int SignalSeconds(string? time)
    {
        var limit = ParseSlurmTime(time);
        if (limit == null || limit.Value.TotalSeconds >= 10 * DefaultSignalSeconds)
            return DefaultSignalSeconds;
        return Math.Max(30, (int)(limit.Value.TotalSeconds / 10));
    }

    /// <summary>Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S; null when not one of them.</summary>
    public static TimeSpan? ParseSlurmTime(string? time)
    {
        if (string.IsNullOrWhiteSpace(time))
            return null;
        var days = 0;
        var rest = time;
        var dash = time.IndexOf('-');
        if (dash >= 0)
        {
            if (!int.TryParse(time[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out days))
                return null;
            rest = time[(dash + 1)..];
        }
        var parts = rest.Split(':');
        var n = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out n[i]))
                return null;
        }

        return (dash >= 0, n.Length) switch
        {
            (false, 1) => TimeSpan.FromMinutes(n[0]),
            (false, 2) => new TimeSpan(0, n[0], n[1]),
            (false, 3) => new TimeSpan(n[0], n[1], n[2]),
            (true, 1) => new TimeSpan(days, n[0], 0, 0),
            (true, 2) => new TimeSpan(days, n[0], n[1], 0),
            (true, 3) => new TimeSpan(days, n[0], n[1], n[2]),
            _ => null,
        };
    }

    internal static string ShellQuote(string s) =>
        s.Length > 0
        && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '/' or '.' or '-' or '_' or '=' or ':' or '+' or ',')
            ? s
            : "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>Blocks until the report job has ended; fails naming the failed cells and their logs.</summary>
    /// <param name="poll">Between two looks at the queue; default 1 s for the first minute (short grids), then 5
    /// s.</param>
    public static ExperimentReport Wait(
        ExperimentPlan plan,
        string reportJob,
        DateTime submittedAt,
        TimeSpan? poll,
        SlurmCommands slurm,
        Action<string> log
    )
    {
        SlurmJobs.WaitForEnd(slurm, reportJob, "report job", poll, log, () =>
            $"waiting for report job {reportJob}: {ExperimentStatus.QuickCounts(plan)}"
        );
        var status = ExperimentStatus.Read(plan.OutDir, slurm);
        var failed = status.Cells.Where(c => c.State == TaskState.Failed || c.State == TaskState.Pending).ToList();
        if (failed.Count > 0)
        {
            throw new EmolinguaException(
                plan.OutDir,
                $"{failed.Count} of {status.Total} cells did not finish: "
                    + string.Join(
                        "; ",
                        failed.Select(c =>
                            $"cell {c.Cell} ({c.Describe}) {c.State}{(c.Log != null ? $", log {c.Log}" : "")}"
                        )
                    )
                    + $" (resubmit with --slurm --resume; details: ./emolingua experiment status {plan.OutDir})"
            );
        }

        var results = Path.Combine(plan.OutDir, "results.json");
        if (!SlurmJobs.WrittenSince(results, submittedAt))
        {
            throw new EmolinguaException(
                results,
                $"the report job {reportJob} did not write it (see {Path.Combine(plan.OutDir, ReportLog)})"
            );
        }

        return ExperimentReport.Load(results);
    }
}
