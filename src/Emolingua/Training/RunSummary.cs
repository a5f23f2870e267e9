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
    Dictionary<string, StageSummary> Stages);

/// <summary>One stage's entry in summary.json.</summary>
public sealed record StageSummary(
    long Steps,
    int Epochs,
    long BestStep,
    bool StoppedEarly,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Dictionary<string, double>? BestValidation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Dictionary<string, double>? FinalValidation);
