namespace Emolingua.Experiments;

/// <summary>Slurm's job states (as squeue prints them) in the groups Emolingua decides by, named once.</summary>
public static class SlurmJobState
{
    /// <summary>Waiting in the queue to start, or to start again after a requeue.</summary>
    public static bool IsQueued(string? state) => state is "PENDING" or "REQUEUED" or "REQUEUE_HOLD";

    /// <summary>States in which a job's processes may still run.</summary>
    public static bool IsActive(string? state) =>
        state
            is "RUNNING"
                or "COMPLETING"
                or "CONFIGURING"
                or "SUSPENDED"
                or "STOPPED"
                or "SIGNALING"
                or "STAGE_OUT"
                or "RESIZING";

    /// <summary>Queued or active: the job has not ended yet.</summary>
    public static bool IsUnfinished(string? state) => IsQueued(state) || IsActive(state);
}
