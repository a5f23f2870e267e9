using System.Globalization;
using System.Text.Json.Serialization;

namespace Emolingua.Experiments;

/// <summary>
/// Who runs a cell: host, process (with its start time, so that a reused PID is not mistaken for the owner) and,
/// under Slurm, the job ("ARRAYJOB_TASK" for an array task). Written into the cell's lock and attempt record.
/// </summary>
public sealed class CellOwner
{
    public string Host { get; set; } = "";
    public int Pid { get; set; }

    /// <summary>The process's start time in clock ticks since boot (/proc/PID/stat field 22), or null off
    /// Linux.</summary>
    public long? PidStart { get; set; }

    /// <summary>Slurm job id of the task ("123_4" for task 4 of array job 123), or null outside Slurm.</summary>
    public string? Job { get; set; }

    /// <summary>How many times Slurm has requeued this job (SLURM_RESTART_COUNT).</summary>
    public int? Restart { get; set; }

    /// <summary>The task's log file, relative to the experiment folder, when known.</summary>
    public string? Log { get; set; }
    public DateTime Started { get; set; }

    /// <summary>This process, with the Slurm job read from the environment Slurm gives a task.</summary>
    public static CellOwner Current(string? log = null) =>
        new()
        {
            Host = Environment.MachineName,
            Pid = Environment.ProcessId,
            PidStart = ProcessStartTicks(Environment.ProcessId),
            Job = SlurmJobFromEnvironment(),
            Restart = int.TryParse(Environment.GetEnvironmentVariable("SLURM_RESTART_COUNT"), out var r) ? r : null,
            Log = log,
            Started = DateTime.UtcNow,
        };

    public static string? SlurmJobFromEnvironment()
    {
        string? array = Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID"),
            task = Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID");
        if (!string.IsNullOrEmpty(array) && !string.IsNullOrEmpty(task))
            return $"{array}_{task}";
        var job = Environment.GetEnvironmentVariable("SLURM_JOB_ID");
        return string.IsNullOrEmpty(job) ? null : job;
    }

    public override string ToString() =>
        Job != null ? $"Slurm job {Job} on {Host} (pid {Pid})" : $"pid {Pid} on {Host}";

    /// <summary>
    /// Whether this owner is still at work on the cell: a Slurm task while Slurm says it is running (a pending or
    /// requeued task, or one the cluster has forgotten, is not); otherwise a process on this host that still exists
    /// with the same start time. An owner on another host that Slurm cannot vouch for counts as alive (we cannot tell).
    /// </summary>
    /// <param name="me">The caller, when it is about to run the cell: its own earlier incarnation (same Slurm task) is
    /// not alive.</param>
    /// <param name="jobState">Slurm's state of a job (Answered false when Slurm could not be asked; State null when it
    /// does not know the job).</param>
    public bool IsAlive(Func<string, (bool Answered, string? State)> jobState, CellOwner? me = null)
    {
        if (Job != null)
        {
            if (me?.Job == Job)
                return false;
            var (answered, state) = jobState(Job);
            if (answered)
                return SlurmJobState.IsActive(state);
        }
        if (!string.Equals(Host, Environment.MachineName, StringComparison.Ordinal))
            return true;
        if (me != null && me.Pid == Pid && me.PidStart == PidStart)
            return true; // this process already holds it
        var start = ProcessStartTicks(Pid);
        return start != null && (PidStart == null || start == PidStart);
    }

    /// <summary>Field 22 of /proc/PID/stat (start time after boot, in clock ticks); null when the process does not
    /// exist.</summary>
    public static long? ProcessStartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e)
            when (e
                    is IOException
                        or UnauthorizedAccessException
                        or FormatException
                        or IndexOutOfRangeException
                        or ArgumentOutOfRangeException
            )
        {
            return null;
        }
    }
}
