using System.Text.Json.Nodes;

namespace Emolingua.Tests.Training;

/// <summary>What a resumed (stopped or crashed) training run must share with the uninterrupted run.</summary>
internal static class ResumedRun
{
    /// <summary>The run folder's metrics.jsonl, a JSON object per line.</summary>
    internal static List<JsonObject> MetricLines(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    /// <summary>A metrics.jsonl line without its wall-clock fields, which no two runs share.</summary>
    internal static string WithoutSpeed(JsonObject line)
    {
        line.Remove("steps_per_s");
        line.Remove("input_wait_fraction");
        return line.ToJsonString();
    }

    /// <summary>Same summary.json, same weights to the byte, same metrics.jsonl lines (speed aside): nothing lost,
    /// nothing repeated.</summary>
    internal static void AssertSameAs(string uninterruptedDir, string resumedDir)
    {
        Assert.Equal(
            File.ReadAllText(Path.Combine(uninterruptedDir, "summary.json")),
            File.ReadAllText(Path.Combine(resumedDir, "summary.json"))
        );
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(uninterruptedDir, "model", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(resumedDir, "model", "model.safetensors"))
        );
        Assert.Equal(MetricLines(uninterruptedDir).Select(WithoutSpeed), MetricLines(resumedDir).Select(WithoutSpeed));
    }
}
