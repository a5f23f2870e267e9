using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// RUN_DIR/attempt.json: who made the last attempt at a cell and how it ended (done, failed with its error, or
/// interrupted by a signal with a checkpoint to resume), so that the report and <c>experiment status</c> can tell
/// from the folder alone, after the cluster has forgotten the job. The cell is done only when RUN_DIR/cells.json exists.
/// </summary>
public sealed class CellAttempt
{
    public const string FileName = "attempt.json";
    public const string StateDone = "done";
    public const string StateFailed = "failed";
    public const string StateInterrupted = "interrupted";

    [JsonPropertyName("state")] public string State { get; set; } = StateFailed;
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("owner")] public CellOwner? Owner { get; set; }
    [JsonPropertyName("ended")] public DateTime? Ended { get; set; }


    public static CellAttempt? Read(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<CellAttempt>(File.ReadAllText(path), Json.Indented); }
        catch (JsonException) { return null; }
    }

    public static void Record(string runDir, string state, CellOwner? owner, string? error = null) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, FileName),
            JsonSerializer.Serialize(new CellAttempt { State = state, Error = error, Owner = owner, Ended = DateTime.UtcNow }, Json.Indented) + "\n");

    /// <summary>Forgets an earlier attempt when the cell is tried again.</summary>
    public static void Clear(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        if (File.Exists(path)) File.Delete(path);
    }
}
