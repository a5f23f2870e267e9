using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Training;

/// <summary>
/// summary.json of a training run: what was trained and its final and best validation numbers, results only (no
/// timings), so that the same seed gives an identical file. Null values are written: a key is always present.
/// </summary>
/// <param name="Unlabeled">The unlabeled source of CL and BYOL; null for the baseline, which uses none.</param>
/// <param name="Stages">Per stage, by stage name (baseline; stage1 and stage2 of contrastive; byol).</param>
public sealed record RunSummary(
    TrainingMethod Method,
    string Recipe,
    int Seed,
    int Fold,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] UnlabeledSource? Unlabeled,
    long Steps,
    ValidationMetric Metric,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Dictionary<string, double>? BestValidation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Dictionary<string, double>? FinalValidation,
    Dictionary<string, StageSummary> Stages
)
{
    /// <summary>The summary of a run of <paramref name="recipe"/> whose stages ended with <paramref name="results"/>
    /// (in order).</summary>
    public static RunSummary Of(Recipe recipe, IReadOnlyList<StageResult> results)
    {
        var last = results[^1];
        return new RunSummary(
            recipe.Method,
            recipe.Name,
            recipe.Seed,
            recipe.Data.Fold,
            recipe.Method == TrainingMethod.Baseline ? null : recipe.Data.Unlabeled,
            results.Sum(r => r.Steps),
            recipe.Training.Metric,
            Rounded(last.BestValidation),
            Rounded(last.FinalValidation),
            results.ToDictionary(
                r => r.Stage,
                r => new StageSummary(
                    r.Steps,
                    r.Epochs,
                    r.BestStep,
                    r.StoppedEarly,
                    Rounded(r.BestValidation),
                    Rounded(r.FinalValidation)
                )
            )
        );
    }

    private static Dictionary<string, double>? Rounded(IReadOnlyDictionary<string, double>? values) =>
        values?.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 8));
}

/// <summary>One stage's entry in summary.json.</summary>
public sealed record StageSummary(
    long Steps,
    int Epochs,
    long BestStep,
    bool StoppedEarly,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Dictionary<string, double>? BestValidation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Dictionary<string, double>? FinalValidation
);
