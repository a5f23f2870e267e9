using Emolingua.Audio;
using Emolingua.Training;
using TorchSharp;

namespace Emolingua.Experiments;

/// <summary>
/// What every cell of a planned grid shares in one process (the local runner, a Slurm array task, the report job):
/// the plan, its experiment recipe, the test sets, the decoded-audio store, the device and the log. The cells' training
/// recipes were read once, when the plan was made or checked against its recipe.
/// </summary>
/// <param name="Plan">Made from <paramref name="Experiment"/> (<see cref="ExperimentPlan.Create"/>) or checked against
/// it (<see cref="ExperimentPlan.LoadRecipe"/>).</param>
public sealed record GridContext(
    ExperimentPlan Plan,
    ExperimentRecipe Experiment,
    ExperimentTestSets Tests,
    WaveformStore Store,
    torch.Device Device,
    Action<string> Log
)
{
    /// <summary>The cell's training recipe (its entry's recipe with the cell's fold and seed).</summary>
    public Recipe TrainingRecipe(GridCell cell) => Plan.TrainingRecipe(cell);

    /// <summary>The cell's run folder (absolute).</summary>
    public string RunDir(GridCell cell) => Plan.RunDir(cell);
}
