using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Emolingua.Training;

/// <summary>Validation numbers of one epoch; <see cref="Metric"/> is the early-stopping value.</summary>
public sealed record ValidationResult(double Metric, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// One training stage (Baseline, CL stage 1 or 2, BYOL): the trainer owns the loop, checkpoints and early stopping;
/// a stage supplies the batch inputs (<see cref="TrainingStage{TInputs}"/>), the loss and the validation.
/// </summary>
public abstract class TrainingStage : IDisposable
{
    public abstract string Name { get; }

    /// <summary>Every module whose parameters and buffers are checkpointed (online and target networks
    /// alike).</summary>
    public abstract nn.Module StateModule { get; }

    public abstract IEnumerable<(string Name, Parameter Parameter)> TrainableParameters { get; }

    /// <summary>Early stopping: true when a higher <see cref="ValidationResult.Metric"/> is better.</summary>
    public abstract bool HigherIsBetter { get; }

    public virtual void AfterOptimizerStep(long step, long totalSteps) { }

    /// <summary>Null when the stage has no validation set (it then trains for the full number of epochs).</summary>
    public abstract ValidationResult? Validate();

    /// <summary>Writes the stage's deliverable (a model bundle or an encoder) into <paramref name="folder"/>.</summary>
    public abstract void Export(string folder);

    /// <summary>State beyond modules and optimizer (e.g. the BYOL-A mixup memory), as named float tensors.</summary>
    public virtual Dictionary<string, (float[] Data, long[] Shape)> ExtraState() => new();

    public virtual void LoadExtraState(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> state) { }

    /// <summary>Lines logged when the stage starts (augmentation pipelines, batch composition).</summary>
    public abstract IEnumerable<string> Describe();

    public virtual void Dispose() { }
}

/// <summary>A stage whose step inputs are <typeparamref name="TInputs"/>: plain arrays prepared ahead on background
/// threads.</summary>
public abstract class TrainingStage<TInputs> : TrainingStage
{
    /// <summary>Plain-array inputs of step k (runs on a background thread: no tensors); a pure function of k.</summary>
    public abstract TInputs Prepare(long step);

    /// <summary>The loss of step k (on the training thread, inside the step's dispose scope) and numbers to
    /// log.</summary>
    public abstract (Tensor Loss, Dictionary<string, double> Logs) Loss(TInputs inputs, long step, long totalSteps);
}
