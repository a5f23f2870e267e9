using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Evaluation;

/// <summary>
/// How the numbers were produced. Known fields are typed; anything else the caller adds goes to <see cref="Extra"/>
/// and is written inline in the "protocol" object.
/// </summary>
public sealed class Protocol
{
    /// <summary>Class names by index (0 = angry, 1 = happy, 2 = neutral, 3 = sad).</summary>
    public List<string> LabelMap { get; set; } = Emotions.All.Select(e => e.Name()).ToList();
    public int? Folds { get; set; }
    public List<int>? Seeds { get; set; }
    public string? SplitHash { get; set; }
    public string? Recipe { get; set; }
    public string? EmolinguaVersion { get; set; }
    public string Aggregation { get; set; } =
        "metrics per run on that run's test fold; mean and sample std (ddof=1) over runs; predictions are not pooled";

    /// <summary>Free-form additions (values serialise by their runtime type; read back as JsonElement).</summary>
    [JsonExtensionData]
    public Dictionary<string, object?>? Extra { get; set; }
}

/// <summary>One Table 1 cell group: a column (method or variant) on a corpus, aggregated over its successful
/// runs.</summary>
public sealed class ResultSummary
{
    public string Method { get; set; } = "";
    public string Corpus { get; set; } = "";
    public string? Variant { get; set; }
    public MeanStd Accuracy { get; set; } = new(0, 0);
    public MeanStd MacroF1 { get; set; } = new(0, 0);
    public MeanStd Uar { get; set; } = new(0, 0);
    public int Runs { get; set; }
    public int FailedRuns { get; set; }

    /// <summary>Mean [true, pred] counts per run (exact; Table 2 rounds the differences).</summary>
    public double[][]? ConfusionMatrixMean { get; set; }
    public SortedDictionary<string, MeanStd>? GenderAccuracy { get; set; }

    [JsonIgnore]
    public string Column => Variant ?? Method;
}

/// <summary>
/// results.json: the protocol, per-column summaries (aggregated by <see cref="Aggregation.Summarize"/>) and every run's
/// cell; the lookups the renderings (<see cref="ReportTables"/>) lay their tables out by.
/// </summary>
public sealed class ExperimentReport
{
    public Protocol Protocol { get; set; } = new();
    public List<ResultSummary> Results { get; set; } = [];
    public List<Cell> Cells { get; set; } = [];

    /// <summary>Few-shot curves, one entry per column × corpus × k (k = 0 is the zero-shot result); null when not
    /// run.</summary>
    public List<FewShotSummary>? FewShot { get; set; }

    /// <summary>Aggregates the successful cells per (column, corpus); failed cells are kept in "cells" and
    /// counted.</summary>
    public static ExperimentReport Build(Protocol protocol, IEnumerable<Cell> cells)
    {
        var all = cells.ToList();
        foreach (var c in all)
        {
            if (!Methods.All.Contains(c.Method) && !Methods.References.Contains(c.Method))
            {
                throw new ArgumentException(
                    $"cell method '{c.Method}' is not one of {string.Join(", ", Methods.All.Concat(Methods.References))}"
                );
            }

            if (string.IsNullOrEmpty(c.Corpus))
                throw new ArgumentException("cell without a corpus");
            if (c.IsOk && (c.Accuracy is null || c.MacroF1 is null || c.Uar is null))
            {
                throw new ArgumentException(
                    $"cell {c.Column}/{c.Corpus} fold {c.Fold} seed {c.Seed} is ok but lacks metrics"
                );
            }
        }
        return new ExperimentReport
        {
            Protocol = protocol,
            Results = Aggregation.Summarize(all),
            Cells = all,
        };
    }

    /// <summary>
    /// Columns: Baseline, Contrastive, BYOL always (missing → "–"), then ablation variants in first-seen order, then
    /// the reference columns that have results (chance, majority, acoustic).
    /// </summary>
    public IReadOnlyList<string> Columns() =>
        Methods
            .All.Concat(
                Results
                    .Select(r => r.Column)
                    .Where(c => !Methods.All.Contains(c) && !Methods.References.Contains(c))
                    .Distinct()
            )
            .Concat(Methods.References.Where(m => Results.Any(r => r.Column == m)))
            .ToList();

    /// <summary>Corpora with results: the paper's order first, then others in first-seen order.</summary>
    public IReadOnlyList<string> Corpora()
    {
        var present = Results.Select(r => r.Corpus).Distinct().ToList();
        return CorpusNames
            .PaperOrder.Where(present.Contains)
            .Concat(present.Where(c => !CorpusNames.PaperOrder.Contains(c)))
            .ToList();
    }

    public ResultSummary? Find(string column, string corpus) =>
        Results.FirstOrDefault(r => r.Column == column && r.Corpus == corpus);

    /// <summary>mean CM(minuend) − mean CM(subtrahend) for a corpus, or null if either side is missing.</summary>
    public double[][]? ConfusionDifference(
        string corpus,
        string minuend = Methods.Contrastive,
        string subtrahend = Methods.Baseline
    )
    {
        var a = Find(minuend, corpus)?.ConfusionMatrixMean;
        var b = Find(subtrahend, corpus)?.ConfusionMatrixMean;
        return a == null || b == null ? null : Aggregation.Difference(a, b);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json.Indented);

    public static ExperimentReport FromJson(string json) =>
        JsonSerializer.Deserialize<ExperimentReport>(json, Json.Indented)
        ?? throw new JsonException("results.json is null");

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    public static ExperimentReport Load(string path)
    {
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, "not a valid results.json: " + e.Message, e);
        }
    }
}
