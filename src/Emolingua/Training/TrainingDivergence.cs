using System.Text.Json.Nodes;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Training;

/// <summary>
/// Training stopped because a number became NaN or infinite (a loss, a logged value, a weight, a validation metric).
/// The stage's last checkpoint (the previous epoch end) is left as it was, so nothing non-finite is ever saved.
/// </summary>
public sealed class TrainingDivergedException(string stageDir, string message) : EmolinguaException(stageDir, message);

/// <summary>The trainer's checks that nothing non-finite goes into a checkpoint, metrics.jsonl or
/// summary.json.</summary>
internal static class TrainingDivergence
{
    /// <param name="lastCheckpointStep">Step of the stage's last checkpoint, or 0 when it has none yet.</param>
    public static TrainingDivergedException Diverged(
        string stageDir,
        string stage,
        long step,
        string what,
        double value,
        long lastCheckpointStep
    ) =>
        new(
            stageDir,
            $"stage {stage}, step {step}: {what} is {Finite.Name(value)}, training diverged (try a lower learning rate); "
                + (
                    lastCheckpointStep > 0
                        ? $"the last good checkpoint (step {lastCheckpointStep}) is kept for --resume"
                        : "no checkpoint had been written yet"
                )
        );

    /// <summary>Every logged number (loss, accuracy, λ, ...) of a step, and every validation metric, must be
    /// finite.</summary>
    /// <param name="prefix">"" for a training step's logs, "validation " for an epoch's validation metrics.</param>
    public static void CheckLogs(
        IReadOnlyDictionary<string, double> logs,
        string stageDir,
        string stage,
        long step,
        long lastCheckpointStep,
        string prefix = ""
    )
    {
        foreach (var (key, value) in logs)
        {
            if (!double.IsFinite(value))
                throw Diverged(stageDir, stage, step, prefix + key, value, lastCheckpointStep);
        }
    }

    /// <summary>Every parameter and buffer of the stage must be finite before it is validated and
    /// checkpointed.</summary>
    public static void CheckState(nn.Module module, string stageDir, string stage, long step, long lastCheckpointStep)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in module.state_dict())
        {
            if (!tensor.is_floating_point() || tensor.isfinite().all().item<bool>())
                continue;
            double bad = tensor.masked_select(tensor.isfinite().logical_not()).flatten()[0].item<float>();
            throw Diverged(stageDir, stage, step, $"weight '{name}'", bad, lastCheckpointStep);
        }
    }

    /// <summary>A metrics line must not hold NaN or infinity (JSON has no spelling for them).</summary>
    public static void CheckLine(JsonObject line, string stageDir, string stage, long step, long lastCheckpointStep)
    {
        foreach (var (key, node) in line)
        {
            if (node is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsFinite(d))
                throw Diverged(stageDir, stage, step, key, d, lastCheckpointStep);
        }
    }
}
