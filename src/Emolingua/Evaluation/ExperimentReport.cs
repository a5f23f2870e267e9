using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Evaluation;

/// <summary>The paper's three methods, as written in results.json's "method" field.</summary>
public static class Methods
{
    public const string Baseline = "baseline";
    public const string Contrastive = "contrastive";
    public const string Byol = "byol";
    public static readonly IReadOnlyList<string> All = [Baseline, Contrastive, Byol];

    /// <summary>Table 1's reference columns, which need no Whisper model (see ReferenceScores and the acoustic baseline).</summary>
    public const string Chance = "chance";
    public const string Majority = "majority";
    public const string Acoustic = "acoustic";
    public static readonly IReadOnlyList<string> References = [Chance, Majority, Acoustic];

    public static string DisplayName(string column) => column switch
    {
        Baseline => "Baseline",
        Contrastive => "Contrastive",
        Byol => "BYOL",
        Chance => "Chance",
        Majority => "Majority",
        Acoustic => "Acoustic",
        _ => column,
    };
}

/// <summary>Corpus kinds in the paper's row order, with display names for the tables.</summary>
public static class CorpusNames
{
    public static readonly IReadOnlyList<string> PaperOrder = ["emodb", "urdu", "subesco", "ravdess"];

    public static string DisplayName(string corpus) => corpus switch
    {
        "emodb" => "EMO-DB (German)",
        "urdu" => "URDU (Urdu)",
        "subesco" => "SUBESCO (Bangla)",
        "ravdess" => "RAVDESS (English)",
        _ => corpus,
    };
}

/// <summary>
/// How the numbers were produced. Known fields are typed; anything else the caller adds goes to <see cref="Extra"/>
/// and is written inline in the "protocol" object.
/// </summary>
public sealed class Protocol
{
    /// <summary>Class names by index (0 = angry, 1 = happy, 2 = neutral, 3 = sad).</summary>
    [JsonPropertyName("label_map")] public List<string> LabelMap { get; set; } = ["angry", "happy", "neutral", "sad"];
    [JsonPropertyName("folds")] public int? Folds { get; set; }
    [JsonPropertyName("seeds")] public List<int>? Seeds { get; set; }
    [JsonPropertyName("split_hash")] public string? SplitHash { get; set; }
    [JsonPropertyName("recipe")] public string? Recipe { get; set; }
    [JsonPropertyName("emolingua_version")] public string? EmolinguaVersion { get; set; }
    [JsonPropertyName("aggregation")] public string Aggregation { get; set; } =
        "metrics per run on that run's test fold; mean and sample std (ddof=1) over runs; predictions are not pooled";
    /// <summary>Free-form additions (values serialise by their runtime type; read back as JsonElement).</summary>
    [JsonExtensionData] public Dictionary<string, object?>? Extra { get; set; }
}

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

/// <summary>One Table 1 cell group: a column (method or variant) on a corpus, aggregated over its successful runs.</summary>
public sealed class ResultSummary
{
    [JsonPropertyName("method")] public string Method { get; set; } = "";
    [JsonPropertyName("corpus")] public string Corpus { get; set; } = "";
    [JsonPropertyName("variant")] public string? Variant { get; set; }
    [JsonPropertyName("accuracy")] public MeanStd Accuracy { get; set; } = new(0, 0);
    [JsonPropertyName("macro_f1")] public MeanStd MacroF1 { get; set; } = new(0, 0);
    [JsonPropertyName("uar")] public MeanStd Uar { get; set; } = new(0, 0);
    [JsonPropertyName("runs")] public int Runs { get; set; }
    [JsonPropertyName("failed_runs")] public int FailedRuns { get; set; }
    /// <summary>Mean [true, pred] counts per run (exact; Table 2 rounds the differences).</summary>
    [JsonPropertyName("confusion_matrix_mean")] public double[][]? ConfusionMatrixMean { get; set; }
    [JsonPropertyName("gender_accuracy")] public SortedDictionary<string, MeanStd>? GenderAccuracy { get; set; }

    [JsonIgnore] public string Column => Variant ?? Method;
}

/// <summary>A figure linked from report.md (path relative to the report); Embed also shows it inline.</summary>
public sealed record FigureLink(string Caption, string Path, bool Embed = false);

/// <summary>
/// results.json (protocol, per-column summaries, every run) and its report.md / console renderings:
/// Table 1 (accuracy / macro F1 / UAR, mean (std)), Table 2 (confusion-matrix difference contrastive − baseline),
/// the §4.1 per-gender accuracy table and links to the figures.
/// </summary>
public sealed class ExperimentReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const string Missing = "–";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [JsonPropertyName("protocol")] public Protocol Protocol { get; set; } = new();
    [JsonPropertyName("results")] public List<ResultSummary> Results { get; set; } = [];
    [JsonPropertyName("cells")] public List<Cell> Cells { get; set; } = [];
    /// <summary>Few-shot curves, one entry per column × corpus × k (k = 0 is the zero-shot result); null when not run.</summary>
    [JsonPropertyName("few_shot")] public List<FewShotSummary>? FewShot { get; set; }

    /// <summary>Aggregates the successful cells per (column, corpus); failed cells are kept in "cells" and counted.</summary>
    public static ExperimentReport Build(Protocol protocol, IEnumerable<Cell> cells)
    {
        var all = cells.ToList();
        foreach (var c in all)
        {
            if (!Methods.All.Contains(c.Method) && !Methods.References.Contains(c.Method))
                throw new ArgumentException($"cell method '{c.Method}' is not one of {string.Join(", ", Methods.All.Concat(Methods.References))}");
            if (string.IsNullOrEmpty(c.Corpus)) throw new ArgumentException("cell without a corpus");
            if (c.IsOk && (c.Accuracy is null || c.MacroF1 is null || c.Uar is null))
                throw new ArgumentException($"cell {c.Column}/{c.Corpus} fold {c.Fold} seed {c.Seed} is ok but lacks metrics");
        }
        var results = new List<ResultSummary>();
        foreach (var group in all.GroupBy(c => (c.Column, c.Corpus)))
        {
            var ok = group.Where(c => c.IsOk).ToList();
            var first = group.First();
            if (ok.Count == 0) continue;
            var summary = new ResultSummary
            {
                Method = first.Method, Corpus = first.Corpus, Variant = first.Variant,
                Accuracy = Aggregation.MeanStd(ok.Select(c => c.Accuracy!.Value)),
                MacroF1 = Aggregation.MeanStd(ok.Select(c => c.MacroF1!.Value)),
                Uar = Aggregation.MeanStd(ok.Select(c => c.Uar!.Value)),
                Runs = ok.Count,
                FailedRuns = group.Count() - ok.Count,
            };
            if (ok.All(c => c.ConfusionMatrix != null)) summary.ConfusionMatrixMean = Aggregation.MeanMatrix(ok.Select(c => c.ConfusionMatrix!));
            var genders = ok.Where(c => c.GenderAccuracy != null).SelectMany(c => c.GenderAccuracy!.Keys).Distinct().ToList();
            if (genders.Count > 0)
            {
                summary.GenderAccuracy = new SortedDictionary<string, MeanStd>(StringComparer.Ordinal);
                foreach (var g in genders)
                    summary.GenderAccuracy[g] = Aggregation.MeanStd(ok.Where(c => c.GenderAccuracy?.ContainsKey(g) == true).Select(c => c.GenderAccuracy![g].Accuracy));
            }
            results.Add(summary);
        }
        return new ExperimentReport { Protocol = protocol, Results = results, Cells = all };
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ExperimentReport FromJson(string json) =>
        JsonSerializer.Deserialize<ExperimentReport>(json, JsonOptions) ?? throw new JsonException("results.json is null");

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    public static ExperimentReport Load(string path)
    {
        try { return FromJson(File.ReadAllText(path)); }
        catch (JsonException e) { throw new EmolinguaException(path, "not a valid results.json: " + e.Message, e); }
    }

    // ---------------------------------------------------------------- layout helpers

    /// <summary>
    /// Columns: Baseline, Contrastive, BYOL always (missing → "–"), then ablation variants in first-seen order, then the
    /// reference columns that have results (chance, majority, acoustic).
    /// </summary>
    public IReadOnlyList<string> Columns() =>
        Methods.All
            .Concat(Results.Select(r => r.Column).Where(c => !Methods.All.Contains(c) && !Methods.References.Contains(c)).Distinct())
            .Concat(Methods.References.Where(m => Results.Any(r => r.Column == m)))
            .ToList();

    /// <summary>Corpora with results: the paper's order first, then others in first-seen order.</summary>
    public IReadOnlyList<string> Corpora()
    {
        var present = Results.Select(r => r.Corpus).Distinct().ToList();
        return CorpusNames.PaperOrder.Where(present.Contains).Concat(present.Where(c => !CorpusNames.PaperOrder.Contains(c))).ToList();
    }

    public ResultSummary? Find(string column, string corpus) => Results.FirstOrDefault(r => r.Column == column && r.Corpus == corpus);

    private static readonly (string Name, Func<ResultSummary, MeanStd> Get)[] Table1Metrics =
    [
        ("Accuracy", r => r.Accuracy),
        ("Macro F1", r => r.MacroF1),
        ("UAR", r => r.Uar),
    ];

    private static string F3(double v) => v.ToString("0.000", Inv);

    /// <summary>Table 1 as rows of cells: (corpus label or "", metric, per column (text, isBest)).</summary>
    private List<(string Corpus, string Metric, List<(string Mean, string Std, bool Best)> Cells)> Table1Rows()
    {
        var columns = Columns();
        var rows = new List<(string, string, List<(string, string, bool)>)>();
        foreach (var corpus in Corpora())
        {
            bool firstRow = true;
            foreach (var (name, get) in Table1Metrics)
            {
                var values = columns.Select(c => Find(c, corpus) is { } r ? get(r) : null).ToList();
                // Best = highest mean at the printed precision, so printed ties are all bold.
                double best = values.Where(v => v != null).Select(v => Math.Round(v!.Mean, 3)).DefaultIfEmpty(double.NaN).Max();
                var cells = values.Select(v => v == null ? (Missing, "", false) : (F3(v.Mean), F3(v.Std), Math.Round(v.Mean, 3) == best)).ToList();
                rows.Add((firstRow ? CorpusNames.DisplayName(corpus) : "", name, cells));
                firstRow = false;
            }
        }
        return rows;
    }

    public string RenderTable1Markdown()
    {
        var columns = Columns();
        var sb = new StringBuilder();
        sb.AppendLine("| Corpus | Metric | " + string.Join(" | ", columns.Select(Methods.DisplayName)) + " |");
        sb.AppendLine("|---|---|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var (corpus, metric, cells) in Table1Rows())
        {
            var texts = cells.Select(c => c.Mean == Missing ? Missing : (c.Best ? $"**{c.Mean}**" : c.Mean) + $" ({c.Std})");
            sb.AppendLine($"| {corpus} | {metric} | " + string.Join(" | ", texts) + " |");
        }
        return sb.ToString();
    }

    /// <summary>Plain-text Table 1 for the console; the best value per row is marked with '*'.</summary>
    public string RenderTable1Text()
    {
        var header = new List<string> { "Corpus", "Metric" };
        header.AddRange(Columns().Select(Methods.DisplayName));
        var lines = new List<List<string>> { header };
        foreach (var (corpus, metric, cells) in Table1Rows())
        {
            var line = new List<string> { corpus, metric };
            line.AddRange(cells.Select(c => c.Mean == Missing ? Missing : $"{c.Mean} ({c.Std})" + (c.Best ? "*" : " ")));
            lines.Add(line);
        }
        var widths = Enumerable.Range(0, header.Count).Select(i => lines.Max(l => l[i].Length)).ToArray();
        var sb = new StringBuilder();
        for (int r = 0; r < lines.Count; r++)
        {
            sb.AppendLine(string.Join("  ", lines[r].Select((t, i) => i < 2 ? t.PadRight(widths[i]) : t.PadLeft(widths[i]))).TrimEnd());
            if (r == 0) sb.AppendLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        }
        sb.AppendLine("mean (sample std) over runs; * = best in row");
        return sb.ToString();
    }

    /// <summary>Signed integer as in the paper's Table 2: "+20", "-16", "0" (rounded half away from zero).</summary>
    public static string Signed(double v)
    {
        long r = (long)Math.Round(v, MidpointRounding.AwayFromZero);
        return r > 0 ? "+" + r.ToString(Inv) : r.ToString(Inv);
    }

    /// <summary>mean CM(minuend) − mean CM(subtrahend) for a corpus, or null if either side is missing.</summary>
    public double[][]? ConfusionDifference(string corpus, string minuend = Methods.Contrastive, string subtrahend = Methods.Baseline)
    {
        var a = Find(minuend, corpus)?.ConfusionMatrixMean;
        var b = Find(subtrahend, corpus)?.ConfusionMatrixMean;
        return a == null || b == null ? null : Aggregation.Difference(a, b);
    }

    /// <summary>Table 2 for every corpus with both columns: rows Truth, columns Pred, signed mean-count differences.</summary>
    public string RenderTable2Markdown(string minuend = Methods.Contrastive, string subtrahend = Methods.Baseline)
    {
        var labels = Protocol.LabelMap;
        var sb = new StringBuilder();
        foreach (var corpus in Corpora())
        {
            var d = ConfusionDifference(corpus, minuend, subtrahend);
            if (d == null) continue;
            sb.AppendLine($"**{CorpusNames.DisplayName(corpus)}**: mean confusion matrix of {Methods.DisplayName(minuend)} − {Methods.DisplayName(subtrahend)} (counts per run)");
            sb.AppendLine();
            sb.AppendLine("| Truth \\ Pred | " + string.Join(" | ", labels) + " |");
            sb.AppendLine("|---|" + string.Concat(labels.Select(_ => "---|")));
            for (int i = 0; i < d.Length; i++)
                sb.AppendLine($"| {(i < labels.Count ? labels[i] : i.ToString(Inv))} | " + string.Join(" | ", d[i].Select(Signed)) + " |");
            sb.AppendLine();
        }
        return sb.Length == 0 ? $"_No corpus has both {Methods.DisplayName(minuend)} and {Methods.DisplayName(subtrahend)} results._\n" : sb.ToString();
    }

    /// <summary>§4.1: accuracy by gender, rows corpus × column, "mean (std)" per gender.</summary>
    public string RenderGenderTableMarkdown()
    {
        var genders = Results.Where(r => r.GenderAccuracy != null).SelectMany(r => r.GenderAccuracy!.Keys).Distinct().ToList();
        if (genders.Count == 0) return "_No per-gender results._\n";
        // female, male first (the paper's columns), then anything else (e.g. unknown).
        genders = new[] { "female", "male" }.Where(genders.Contains).Concat(genders.Where(g => g is not ("female" or "male")).OrderBy(g => g, StringComparer.Ordinal)).ToList();
        var sb = new StringBuilder();
        sb.AppendLine("| Corpus | Method | " + string.Join(" | ", genders.Select(g => char.ToUpperInvariant(g[0]) + g[1..])) + " |");
        sb.AppendLine("|---|---|" + string.Concat(genders.Select(_ => "---|")));
        foreach (var corpus in Corpora())
        {
            bool first = true;
            foreach (var column in Columns())
            {
                var r = Find(column, corpus);
                if (r == null) continue;
                var cells = genders.Select(g => r.GenderAccuracy != null && r.GenderAccuracy.TryGetValue(g, out var m) ? $"{F3(m.Mean)} ({F3(m.Std)})" : Missing);
                sb.AppendLine($"| {(first ? CorpusNames.DisplayName(corpus) : "")} | {Methods.DisplayName(column)} | " + string.Join(" | ", cells) + " |");
                first = false;
            }
        }
        return sb.ToString();
    }

    public string RenderMarkdown(IEnumerable<FigureLink>? figures = null, string title = "Emolingua results")
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}");
        sb.AppendLine();
        var p = Protocol;
        var facts = new List<string>();
        if (p.Recipe != null) facts.Add($"recipe `{p.Recipe}`");
        string? foldsRun = p.Extra?.GetValueOrDefault("folds_run")?.ToString();
        if (p.Folds != null) facts.Add(foldsRun != null ? $"folds {foldsRun} of {p.Folds}" : p.Folds == 1 ? "1 fold" : $"{p.Folds} folds");
        if (p.Seeds is { Count: > 0 }) facts.Add("seeds " + string.Join(", ", p.Seeds.Select(s => s.ToString(Inv))));
        if (p.SplitHash != null) facts.Add($"split `{p.SplitHash}`");
        if (p.EmolinguaVersion != null) facts.Add($"Emolingua {p.EmolinguaVersion}");
        if (facts.Count > 0) sb.AppendLine(string.Join("; ", facts) + ".");
        sb.AppendLine($"Labels: {string.Join(", ", p.LabelMap.Select((l, i) => $"{i} = {l}"))}. Aggregation: {p.Aggregation}.");
        int failed = Cells.Count(c => !c.IsOk);
        if (failed > 0) sb.AppendLine($"**{failed} run(s) failed** and are excluded from the means (see results.json \"cells\").");
        sb.AppendLine();
        sb.AppendLine("## Table 1: accuracy, macro F1 and UAR, mean (std)");
        sb.AppendLine();
        sb.AppendLine(RenderTable1Markdown());
        sb.AppendLine("Best mean per row in bold; std is the sample std over runs; – = not run.");
        var references = Columns().Where(Methods.References.Contains).ToList();
        if (references.Count > 0)
        {
            var notes = new Dictionary<string, string>
            {
                [Methods.Chance] = "Chance = the expected score of guessing uniformly at random",
                [Methods.Majority] = "Majority = always the most frequent class of the English training set",
                [Methods.Acoustic] = "Acoustic = a class-balanced logistic regression on 31 utterance functionals of pitch, energy, voicing and spectral shape, trained on the English training set",
            };
            sb.AppendLine(string.Join("; ", references.Select(r => notes[r])) + " (one run per fold; see the README).");
        }
        sb.AppendLine();
        sb.AppendLine("## Table 2: confusion-matrix difference, Contrastive − Baseline");
        sb.AppendLine();
        sb.Append(RenderTable2Markdown());
        sb.AppendLine("Positive diagonal / negative off-diagonal = Contrastive better.");
        sb.AppendLine();
        sb.AppendLine("## Accuracy by gender (§4.1)");
        sb.AppendLine();
        sb.AppendLine(RenderGenderTableMarkdown());
        if (FewShot is { Count: > 0 } fewShot)
        {
            sb.AppendLine($"## Few-shot adaptation: UAR against labelled clips per class ({string.Join(", ", fewShot.Select(f => f.Mode).Distinct())} mode)");
            sb.AppendLine();
            sb.AppendLine(FewShotCurves.RenderMarkdown(fewShot, Corpora().Concat(fewShot.Select(f => f.Corpus)).Distinct().ToList()));
            sb.AppendLine("k shots per class from the corpus's training folds (never a test-fold speaker); mean (sample std) over folds, seeds and draws; k = 0 is the zero-shot result of Table 1. Accuracy and macro F1 are in results.json \"few_shot\".");
            sb.AppendLine();
        }
        var figs = figures?.ToList();
        if (figs is { Count: > 0 })
        {
            sb.AppendLine("## Figures");
            sb.AppendLine();
            foreach (var f in figs) sb.AppendLine($"- [{f.Caption}]({f.Path.Replace(" ", "%20", StringComparison.Ordinal)})");
            sb.AppendLine();
            foreach (var f in figs.Where(f => f.Embed))
                sb.AppendLine($"![{f.Caption}]({f.Path.Replace(" ", "%20", StringComparison.Ordinal)})").AppendLine();
        }
        return sb.ToString();
    }

    public void SaveMarkdown(string path, IEnumerable<FigureLink>? figures = null, string title = "Emolingua results") =>
        AtomicFile.WriteAllText(path, RenderMarkdown(figures, title));
}
