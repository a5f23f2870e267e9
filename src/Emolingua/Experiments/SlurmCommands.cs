using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// Slurm's own command-line tools (sbatch, squeue, scontrol), found on PATH and run with this process's environment
/// (SLURM_CONF included). Slurm keeps no API of its own for a client without slurmrestd, so these are the interface
/// every Slurm launcher uses. Errors carry Slurm's message.
/// </summary>
public sealed class SlurmCommands
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        /// <summary>Slurm's message in one line ("sbatch: error: ..." lines joined).</summary>
        public string Message =>
            string.Join(
                " ",
                (Err + "\n" + Out).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            );
    }

    private readonly TimeSpan _timeout;

    public SlurmCommands(TimeSpan? timeout = null) => _timeout = timeout ?? TimeSpan.FromSeconds(90);

    /// <summary>The tool's full path on PATH, or null.</summary>
    public static string? Find(string tool) => ExternalProcess.Locate(tool);

    public Result Run(string tool, IEnumerable<string> args, string? stdin = null)
    {
        var exe = Find(tool)
            ?? throw new EmolinguaException(
                $"--slurm: {tool} not found on PATH (run on a machine with the Slurm client tools, e.g. a login node)"
            );
        var output = ExternalProcess.Run(
            exe,
            args,
            stdin == null ? null : System.Text.Encoding.UTF8.GetBytes(stdin),
            _timeout
        ) ?? throw new EmolinguaException($"--slurm: {tool} did not answer within {_timeout.TotalSeconds:0} s");
        return new Result(output.ExitCode, output.StdoutText, output.Stderr);
    }

    /// <summary>Fails with Slurm's message unless the controller answers.</summary>
    public void RequireController()
    {
        var r = Run("scontrol", ["ping"]);
        if (r.ExitCode != 0 || !r.Out.Contains("is UP", StringComparison.Ordinal))
        {
            throw new EmolinguaException(
                $"--slurm: the Slurm controller does not answer ({(r.Message.Length > 0 ? r.Message : "scontrol ping failed")})"
            );
        }
    }

    /// <summary>Submits a batch script; returns the job id. Fails with Slurm's own message.</summary>
    public string Submit(IEnumerable<string> options, string script)
    {
        var r = Run("sbatch", ["--parsable", .. options, script]);
        if (r.ExitCode != 0)
            throw new EmolinguaException($"sbatch: {SlurmError(r)}");
        return r.Out.Trim().Split(';')[0];
    }

    /// <summary>Lets Slurm check a submission without submitting it (sbatch --test-only).</summary>
    public void TestSubmission(IEnumerable<string> options, string scriptText)
    {
        var r = Run("sbatch", ["--test-only", .. options], scriptText);
        if (r.ExitCode != 0)
            throw new EmolinguaException($"sbatch: {SlurmError(r)}");
    }

    /// <summary>The job's state (RUNNING, PENDING, ...) or null when Slurm does not know it;
    /// <paramref name="answered"/> is false when Slurm could not be asked.</summary>
    public string? TryJobState(string job, out bool answered)
    {
        answered = false;
        if (Find("squeue") == null)
            return null;
        Result r;
        try
        {
            r = Run("squeue", ["-h", "-t", "all", "-j", job, "-o", "%T"]);
        }
        catch (EmolinguaException)
        {
            return null;
        }
        if (r.ExitCode != 0)
        {
            // "Invalid job id specified": the controller answered and has forgotten the job.
            answered = r.Err.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase);
            return null;
        }
        answered = true;
        var state = r
            .Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault();
        return string.IsNullOrEmpty(state) ? null : state;
    }

    /// <summary><see cref="TryJobState"/> as (answered, state), for <see cref="CellOwner.IsAlive"/>.</summary>
    public (bool Answered, string? State) JobStateProbe(string job)
    {
        var state = TryJobState(job, out var answered);
        return (answered, state);
    }

    /// <summary>States of every task of the given jobs that the controller still knows ("123_4" → RUNNING); empty when
    /// Slurm cannot be asked.</summary>
    public Dictionary<string, string> JobStates(IEnumerable<string> jobs)
    {
        var list = jobs.Distinct().ToList();
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        if (list.Count == 0 || Find("squeue") == null)
            return states;
        Result r;
        try
        {
            r = Run("squeue", ["-h", "-r", "-t", "all", "-j", string.Join(",", list), "-o", "%i %T"]);
        }
        catch (EmolinguaException)
        {
            return states;
        }
        if (r.ExitCode != 0)
            return states;
        foreach (var line in r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2)
                states[parts[0]] = parts[1];
        }
        return states;
    }

    /// <summary>Puts a running task back in the queue (its checkpoint is resumed when it starts again).</summary>
    public void Requeue(string job)
    {
        var r = Run("scontrol", ["requeue", job]);
        if (r.ExitCode != 0)
            throw new EmolinguaException($"scontrol requeue {job}: {SlurmError(r)}");
    }

    private static string SlurmError(Result r)
    {
        var message = r.Message;
        foreach (var prefix in new[] { "sbatch: error: ", "scontrol: error: " })
            message = message.Replace(prefix, "", StringComparison.Ordinal);
        return message.Length > 0 ? message : $"exit code {r.ExitCode}";
    }
}
