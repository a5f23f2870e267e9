using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// RUN_DIR/attempt.json: how the last attempt at a cell ended when it did not finish (a recorded failure), so that
/// the report and <c>experiment status</c> can say why from the folder alone.
/// </summary>
public sealed class CellAttempt
{
    public const string FileName = "attempt.json";
    public const string StateFailed = "failed";

    [JsonPropertyName("state")] public string State { get; set; } = StateFailed;
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("ended")] public DateTime? Ended { get; set; }


    public static CellAttempt? Read(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<CellAttempt>(File.ReadAllText(path), Json.Indented); }
        catch (JsonException) { return null; }
    }

    public static void RecordFailure(string runDir, string error) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, FileName),
            JsonSerializer.Serialize(new CellAttempt { State = StateFailed, Error = error, Ended = DateTime.UtcNow }, Json.Indented) + "\n");

    /// <summary>Forgets an earlier failure when the cell is tried again.</summary>
    public static void Clear(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        if (File.Exists(path)) File.Delete(path);
    }
}
