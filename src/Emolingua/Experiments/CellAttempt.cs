using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// RUN_DIR/attempt.json: who made the last attempt at a cell and how it ended (done, failed with its error, or
/// interrupted by a signal with a checkpoint to resume), so that the report and <c>experiment status</c> can tell
/// from the folder alone, after the cluster has forgotten the job. The cell is done only when RUN_DIR/cells.json
/// exists.
/// It also keeps every start of the cell (<see cref="Attempts"/>: host, Slurm job, restart count), written when the
/// start claims the cell, so that requeues are counted even when a node died before anything else was written.
/// </summary>
public sealed class CellAttempt
{
    public const string FileName = "attempt.json";
    public const string StateDone = "done";
    public const string StateFailed = "failed";
    public const string StateInterrupted = "interrupted";

    /// <summary>Written when an attempt starts; a cell still in this state when its owner is gone was killed (e.g. its
    /// node died).</summary>
    public const string StateStarted = "started";

    public string State { get; set; } = StateFailed;
    public string? Error { get; set; }
    public CellOwner? Owner { get; set; }
    public DateTime? Ended { get; set; }

    /// <summary>Every start of the cell, oldest first.</summary>
    public List<CellOwner> Attempts { get; set; } = new();

    public static CellAttempt? Read(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<CellAttempt>(File.ReadAllText(path), Json.Indented);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Record(string runDir, string state, CellOwner? owner, string? error = null) =>
        Write(
            runDir,
            new CellAttempt
            {
                State = state,
                Error = error,
                Owner = owner,
                Ended = DateTime.UtcNow,
                Attempts = Read(runDir)?.Attempts ?? new(),
            }
        );

    /// <summary>Records a new start of the cell (the caller holds its claim); returns every start so far, this one
    /// last.</summary>
    public static List<CellOwner> Start(string runDir, CellOwner owner)
    {
        var attempts = Read(runDir)?.Attempts ?? new();
        attempts.Add(owner);
        Write(
            runDir,
            new CellAttempt
            {
                State = StateStarted,
                Owner = owner,
                Attempts = attempts,
            }
        );
        return attempts;
    }

    private static void Write(string runDir, CellAttempt attempt) =>
        AtomicFile.WriteAllText(
            Path.Combine(runDir, FileName),
            JsonSerializer.Serialize(attempt, Json.Indented) + "\n"
        );

    /// <summary>"node2 (job 12_3, 20:41:07 UTC), node1 (job 12_3 restart 1, 20:42:30 UTC)": the starts, for
    /// messages.</summary>
    public static string Describe(IEnumerable<CellOwner> attempts) =>
        string.Join(
            ", ",
            attempts.Select(a =>
                $"{a.Host} ({(a.Job != null ? $"job {a.Job}" : $"pid {a.Pid}")}{(a.Restart is > 0 ? $" restart {a.Restart}" : "")}, {a.Started:yyyy-MM-dd HH:mm:ss} UTC)"
            )
        );
}
