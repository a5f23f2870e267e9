using System.Text.Json.Serialization;
using Emolingua.Scoring;

namespace Emolingua.Evaluation;

/// <summary>Accuracy of one group (gender) in one run.</summary>
public sealed record GroupScore(
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("n")] int Count);

public sealed record ClassScore(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("precision")] double Precision,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("f1")] double F1,
    [property: JsonPropertyName("support")] int Support);

/// <summary>One run: a method (or ablation variant) evaluated on one corpus for one fold and seed.</summary>
public sealed class Cell
{
    public const string StatusOk = "ok";
    public const string StatusFailed = "failed";

    [JsonPropertyName("method")] public string Method { get; set; } = "";
    [JsonPropertyName("corpus")] public string Corpus { get; set; } = "";
    /// <summary>Table column for ablations, e.g. "contrastive:commonvoice"; null means the column is the method.</summary>
    [JsonPropertyName("variant")] public string? Variant { get; set; }
    [JsonPropertyName("fold")] public int Fold { get; set; }
    [JsonPropertyName("seed")] public int Seed { get; set; }
    [JsonPropertyName("status")] public string Status { get; set; } = StatusOk;
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("run_dir")] public string? RunDir { get; set; }
    [JsonPropertyName("n")] public int? Count { get; set; }
    [JsonPropertyName("accuracy")] public double? Accuracy { get; set; }
    [JsonPropertyName("macro_f1")] public double? MacroF1 { get; set; }
    [JsonPropertyName("uar")] public double? Uar { get; set; }
    [JsonPropertyName("per_class")] public List<ClassScore>? PerClass { get; set; }
    /// <summary>[true, pred] counts in label_map order.</summary>
    [JsonPropertyName("confusion_matrix")] public int[][]? ConfusionMatrix { get; set; }
    /// <summary>Accuracy by gender ("female", "male", "unknown").</summary>
    [JsonPropertyName("gender_accuracy")] public SortedDictionary<string, GroupScore>? GenderAccuracy { get; set; }
    [JsonPropertyName("speaker_accuracy")] public SortedDictionary<string, GroupScore>? SpeakerAccuracy { get; set; }
    /// <summary>Percentile bootstrap 95% CIs over this run's test samples (optional).</summary>
    [JsonPropertyName("bootstrap")] public BootstrapResult? Bootstrap { get; set; }

    [JsonIgnore] public string Column => Variant ?? Method;
    [JsonIgnore] public bool IsOk => Status == StatusOk;

    /// <summary>A successful run's cell with every metric computed from its test-set predictions.</summary>
    /// <param name="genders">per-sample gender ("female"/"male"/"unknown") for gender_accuracy, or null</param>
    /// <param name="speakers">per-sample speaker id for speaker_accuracy, or null</param>
    /// <param name="bootstrapResamples">0 = no bootstrap; else resamples for 95% CIs (seeded by <paramref name="seed"/>)</param>
    public static Cell FromPredictions(string method, string corpus, int fold, int seed, ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred,
        IReadOnlyList<string> labels, IReadOnlyList<string>? genders = null, string? variant = null, string? runDir = null,
        IReadOnlyList<string>? speakers = null, int bootstrapResamples = 0)
    {
        var s = Metrics.Compute(yTrue, yPred, labels.Count);
        var cell = new Cell
        {
            Method = method, Corpus = corpus, Variant = variant, Fold = fold, Seed = seed, RunDir = runDir,
            Count = s.Count, Accuracy = s.Accuracy, MacroF1 = s.MacroF1, Uar = s.Uar, ConfusionMatrix = s.ConfusionMatrix,
            PerClass = s.PerClass.Select((c, i) => new ClassScore(labels[i], c.Precision, c.Recall, c.F1, c.Support)).ToList(),
        };
        if (genders != null)
        {
            cell.GenderAccuracy = new SortedDictionary<string, GroupScore>(StringComparer.Ordinal);
            foreach (var (g, a) in Metrics.AccuracyByGroup(yTrue, yPred, genders)) cell.GenderAccuracy[g] = new GroupScore(a.Accuracy, a.Count);
        }
        if (speakers != null)
        {
            cell.SpeakerAccuracy = new SortedDictionary<string, GroupScore>(StringComparer.Ordinal);
            foreach (var (g, a) in Metrics.AccuracyBySpeaker(yTrue, yPred, speakers)) cell.SpeakerAccuracy[g] = new GroupScore(a.Accuracy, a.Count);
        }
        if (bootstrapResamples > 0) cell.Bootstrap = Metrics.Bootstrap(yTrue, yPred, labels.Count, bootstrapResamples, seed);
        return cell;
    }

    public static Cell Failed(string method, string corpus, int fold, int seed, string error, string? variant = null, string? runDir = null) =>
        new() { Method = method, Corpus = corpus, Variant = variant, Fold = fold, Seed = seed, Status = StatusFailed, Error = error, RunDir = runDir };
}
