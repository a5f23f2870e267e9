using System.Text.Json.Nodes;
using Emolingua.Util;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Emolingua.Training;

/// <summary>
/// A run's metrics.jsonl (one JSON line per log step and per validation) and its TensorBoard mirror: event files beside
/// it (RUN_DIR/events.out.tfevents.*, written by TorchSharp's SummaryWriter) that hold every number of every line as a
/// scalar at the line's step, tagged STAGE/KEY for training lines (loss, lr, lambda, steps_per_s, ...) and
/// STAGE/validation/KEY for validation lines. The event files are derived from metrics.jsonl: when a resumed run cuts
/// the file back to its checkpoint, they are written again from what is left, so the two always hold the same numbers.
/// </summary>
public sealed class MetricsLog
{
    private const string EventFilePattern = "events.out.tfevents.*";
    private readonly string _runDir;
    private SummaryWriter? _events;

    public MetricsLog(string runDir)
    {
        _runDir = runDir;
        Path = System.IO.Path.Combine(runDir, "metrics.jsonl");
    }

    public string Path { get; }

    public long Length => File.Exists(Path) ? new FileInfo(Path).Length : 0;

    /// <summary>
    /// Drops the lines after <paramref name="bytes"/> (written after the checkpoint being resumed, so that the file
    /// equals an uninterrupted run's) and writes the event files again from the lines that are left.
    /// </summary>
    public void TruncateTo(long bytes)
    {
        if (!File.Exists(Path))
        {
            File.WriteAllText(Path, "");
        }
        else
        {
            using var f = new FileStream(Path, FileMode.Open, FileAccess.Write);
            if (f.Length > bytes)
                f.SetLength(bytes);
        }
        foreach (var old in Directory.GetFiles(_runDir, EventFilePattern))
            File.Delete(old);
        _events = utils.tensorboard.SummaryWriter(_runDir);
        foreach (var line in File.ReadLines(Path))
        {
            if (line.Length > 0)
                WriteEvents(JsonNode.Parse(line)!.AsObject());
        }
    }

    /// <summary>
    /// The run header, the first line of a new metrics.jsonl: {"stage": "run", "split": "header", "step": 0, ...} with
    /// <paramref name="fields"/> (the machine, MKL's code path, threads, precision). It is written once, when the file
    /// is new or empty, and kept on resume. Returns its length in bytes (0 for a file of a run from before headers),
    /// where the first stage's lines begin.
    /// </summary>
    public long EnsureHeader(JsonObject fields)
    {
        if (Length == 0)
        {
            var header = new JsonObject
            {
                ["stage"] = "run",
                ["split"] = HeaderSplit,
                ["step"] = 0,
            };
            foreach (var (key, value) in fields)
                header[key] = value?.DeepClone();
            File.WriteAllText(Path, Json.Text(header, indented: false) + "\n");
            return Length;
        }
        using var reader = new StreamReader(Path);
        var first = reader.ReadLine();
        var isHeader =
            first != null && JsonNode.Parse(first) is JsonObject o && o["split"]?.GetValue<string>() == HeaderSplit;
        return isHeader ? System.Text.Encoding.UTF8.GetByteCount(first!) + 1 : 0;
    }

    public const string HeaderSplit = "header";

    public void Append(JsonObject line)
    {
        File.AppendAllText(Path, Json.Text(line, indented: false) + "\n");
        WriteEvents(line);
    }

    /// <summary>The TensorBoard scalars of a metrics line: every number but the step and epoch, tagged by stage and
    /// split.</summary>
    public static IEnumerable<(string Tag, double Value)> Scalars(JsonObject line)
    {
        if (line["split"]?.GetValue<string>() == HeaderSplit)
            yield break; // the run header describes, it measures nothing
        var stage = line["stage"]!.GetValue<string>();
        var prefix = line["split"]?.GetValue<string>() is { } split ? $"{stage}/{split}/" : $"{stage}/";
        foreach (var (key, node) in line)
        {
            if (
                key is not ("stage" or "split" or "step" or "epoch")
                && node is JsonValue value
                && value.TryGetValue<double>(out var number)
            )
            {
                yield return (prefix + key, number);
            }
        }
    }

    private void WriteEvents(JsonObject line)
    {
        _events ??= utils.tensorboard.SummaryWriter(_runDir);
        var step = checked((int)line["step"]!.GetValue<long>()); // TensorBoard steps are int32 here (SummaryWriter)
        foreach (var (tag, value) in Scalars(line))
            _events.add_scalar(tag, (float)value, step);
    }
}
