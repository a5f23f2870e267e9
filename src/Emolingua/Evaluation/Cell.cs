using System.Text.Json.Serialization;
using Emolingua.Scoring;
using Emolingua.Util;

namespace Emolingua.Evaluation;

/// <summary>One run: a method (or ablation variant) evaluated on one corpus for one fold and seed.</summary>
public sealed class Cell
{
    public string Method { get; set; } = "";
    public string Corpus { get; set; } = "";

    /// <summary>Table column for ablations, e.g. "contrastive:commonvoice"; null means the column is the
    /// method.</summary>
    public string? Variant { get; set; }
    public int Fold { get; set; }
    public int Seed { get; set; }
    public CellStatus Status { get; set; } = CellStatus.Ok;
    public string? Error { get; set; }
    public string? RunDir { get; set; }

    [JsonPropertyName("n")]
    public int? Count { get; set; }
    public double? Accuracy { get; set; }
    public double? MacroF1 { get; set; }
    public double? Uar { get; set; }
    public List<ClassMetrics>? PerClass { get; set; }

    /// <summary>[true, pred] counts in label_map order.</summary>
    public int[][]? ConfusionMatrix { get; set; }

    /// <summary>Accuracy by gender ("female", "male", "unknown").</summary>
    public SortedDictionary<string, GroupAccuracy>? GenderAccuracy { get; set; }

    /// <summary>Accuracy by speaker id (a stand-alone evaluation's metrics.json).</summary>
    public SortedDictionary<string, GroupAccuracy>? SpeakerAccuracy { get; set; }

    /// <summary>Percentile bootstrap 95% CIs over this run's test samples (a stand-alone evaluation's
    /// metrics.json).</summary>
    [JsonPropertyName("bootstrap_95")]
    public BootstrapResult? Bootstrap { get; set; }

    [JsonIgnore]
    public string Column => Variant ?? Method;

    [JsonIgnore]
    public bool IsOk => Status == CellStatus.Ok;

    /// <summary>A successful run's cell with every metric computed from its test-set predictions.</summary>
    /// <param name="genders">per-sample gender ("female"/"male"/"unknown") for gender_accuracy, or null</param>
    /// <param name="speakers">per-sample speaker id for speaker_accuracy, or null</param>
    /// <param name="bootstrapResamples">0 = no bootstrap; else resamples for 95% CIs (seeded by
    /// <paramref name="seed"/>)</param>
    public static Cell FromPredictions(
        string method,
        string corpus,
        int fold,
        int seed,
        ReadOnlySpan<int> yTrue,
        ReadOnlySpan<int> yPred,
        IReadOnlyList<string> labels,
        IReadOnlyList<string>? genders = null,
        string? variant = null,
        string? runDir = null,
        IReadOnlyList<string>? speakers = null,
        int bootstrapResamples = 0
    )
    {
        var s = Metrics.Compute(yTrue, yPred, labels.Count);
        return new Cell
        {
            Method = method,
            Corpus = corpus,
            Variant = variant,
            Fold = fold,
            Seed = seed,
            RunDir = runDir,
            Count = s.Count,
            Accuracy = s.Accuracy,
            MacroF1 = s.MacroF1,
            Uar = s.Uar,
            ConfusionMatrix = s.ConfusionMatrix,
            PerClass = s.PerClass.Select((c, i) => c with { Label = labels[i] }).ToList(),
            GenderAccuracy = genders == null ? null : Metrics.AccuracyByGroup(yTrue, yPred, genders),
            SpeakerAccuracy = speakers == null ? null : Metrics.AccuracyBySpeaker(yTrue, yPred, speakers),
            Bootstrap =
                bootstrapResamples > 0 ? Metrics.Bootstrap(yTrue, yPred, labels.Count, bootstrapResamples, seed) : null,
        };
    }

    public static Cell Failed(
        string method,
        string corpus,
        int fold,
        int seed,
        string error,
        string? variant = null,
        string? runDir = null
    ) =>
        new()
        {
            Method = method,
            Corpus = corpus,
            Variant = variant,
            Fold = fold,
            Seed = seed,
            Status = CellStatus.Failed,
            Error = error,
            RunDir = runDir,
        };
}
