using System.Text.Json;

namespace Emolingua.Benchmarks;

/// <summary>Reads an ONNX Runtime profile (a JSON list of Chrome trace events) written by a session with profiling
/// on.</summary>
internal static class OnnxProfile
{
    /// <summary>Kernel time per operator type, per run, from an ONNX Runtime profile (a JSON list of trace
    /// events).</summary>
    public static string OperatorTimes(string profilePath)
    {
        string line;
        using (var doc = JsonDocument.Parse(File.ReadAllText(profilePath)))
        {
            var events = doc.RootElement.EnumerateArray().ToList();
            var runs = events.Count(e =>
                e.GetProperty("cat").GetString() == "Session" && e.GetProperty("name").GetString() == "model_run"
            );
            var byOp = events
                .Where(e =>
                    e.GetProperty("cat").GetString() == "Node"
                    && e.GetProperty("name").GetString()!.EndsWith("_kernel_time")
                )
                .GroupBy(e => e.GetProperty("args").GetProperty("op_name").GetString()!)
                .Select(g => (Op: g.Key, Ms: g.Sum(e => e.GetProperty("dur").GetInt64()) / 1000.0 / Math.Max(1, runs)))
                .OrderByDescending(x => x.Ms)
                .ToList();
            var total = byOp.Sum(x => x.Ms);
            line =
                $"ONNX Runtime kernel time per run ({runs} runs): "
                + string.Join(", ", byOp.Select(x => $"{x.Op} {x.Ms:0} ms ({100 * x.Ms / total:0.0} %)"));
        }
        File.Delete(profilePath);
        return line;
    }
}
