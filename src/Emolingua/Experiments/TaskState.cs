namespace Emolingua.Experiments;

/// <summary>
/// The state of a cell of a grid or a shard of a prediction, as <c>experiment status</c> and <c>predict status</c>
/// print it, judged from the task's folder (its lock and last attempt) and, when Slurm answers, the queue.
/// </summary>
public static class TaskState
{
    public const string Done = "done";
    public const string Running = "running";
    public const string Pending = "pending";
    public const string Failed = "failed";

    /// <summary>How many tasks are in each state.</summary>
    public static (int Done, int Running, int Pending, int Failed) Count(IReadOnlyCollection<string> states) =>
        (
            states.Count(s => s == Done),
            states.Count(s => s == Running),
            states.Count(s => s == Pending),
            states.Count(s => s == Failed)
        );

    /// <summary>
    /// A task that is not done: running while its lock's owner still runs, pending while Slurm holds the owner's job in
    /// the queue (requeued) or when nothing ran it yet, failed when its owner is gone (<paramref name="killed"/> says
    /// so) or its last attempt recorded an error. An interrupted attempt (a checkpoint to resume) is pending, with its
    /// message.
    /// </summary>
    internal static (string State, string? Error) OfUnfinished(
        CellOwner? owner,
        CellAttempt? attempt,
        SlurmQueue queue,
        string killed
    )
    {
        if (owner != null)
        {
            if (owner.IsAlive(queue.Probe))
                return (Running, null);
            if (owner.Job != null && SlurmJobState.IsQueued(queue.StateOf(owner.Job)))
                return (Pending, null); // requeued
            return (Failed, killed);
        }
        if (attempt is { State: CellAttempt.StateFailed })
            return (Failed, attempt.Error);
        return (Pending, attempt is { State: CellAttempt.StateInterrupted } ? attempt.Error : null);
    }
}

/// <summary>A folder's tasks as <c>experiment status</c> or <c>predict status</c> prints them.</summary>
public interface IStatusReport
{
    /// <summary>The report as indented JSON (<c>--json</c>).</summary>
    string ToJson();

    /// <summary>The report as a table, one line a task.</summary>
    string RenderText();
}

/// <summary>One look at the Slurm queue for every job a folder mentions (a single squeue call); empty when Slurm does
/// not answer.</summary>
internal sealed class SlurmQueue
{
    private readonly Dictionary<string, string> _states;

    /// <summary>False when Slurm could not be asked (states then come from the files alone).</summary>
    public bool Answered { get; }

    private SlurmQueue(bool answered, Dictionary<string, string> states) => (Answered, _states) = (answered, states);

    /// <param name="jobs">Job ids ("123" or "123_4" for an array task; null entries are skipped).</param>
    public static SlurmQueue Ask(IEnumerable<string?> jobs, SlurmCommands slurm)
    {
        var arrayJobs = jobs.Where(j => j != null).Select(j => j!.Split('_')[0]).ToHashSet();
        var answered =
            arrayJobs.Count > 0
            && SlurmCommands.Find("squeue") != null
            && slurm.Run("scontrol", ["ping"]).ExitCode == 0;
        return new SlurmQueue(answered, answered ? slurm.JobStates(arrayJobs) : new Dictionary<string, string>());
    }

    /// <summary>The job's state, or null when the queue does not hold it (or Slurm did not answer).</summary>
    public string? StateOf(string job) => _states.GetValueOrDefault(job);

    /// <summary>For <see cref="CellOwner.IsAlive"/>.</summary>
    public (bool Answered, string? State) Probe(string job) => (Answered, StateOf(job));
}
