using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Emolingua.Util;
using ScottPlot;

namespace Emolingua.Evaluation;

/// <summary>One few-shot run: a trained model of a column, adapted with k shots per class (one draw), on one test
/// fold.</summary>
public sealed class FewShotCell
{
    public string Method { get; set; } = "";
    public string? Variant { get; set; }
    public string Corpus { get; set; } = "";
    public int Fold { get; set; }
    public int Seed { get; set; }
    public int K { get; set; }
    public int Draw { get; set; }
    public AdaptationMode Mode { get; set; }

    /// <summary>Clips adapted on (k per class, fewer where a class has fewer).</summary>
    public int Shots { get; set; }

    [JsonPropertyName("n")]
    public int Count { get; set; }
    public double Accuracy { get; set; }
    public double MacroF1 { get; set; }
    public double Uar { get; set; }

    [JsonIgnore]
    public string Column => Variant ?? Method;

    /// <summary>The few-shot view of an evaluated cell (the same metrics, from the same Evaluation path).</summary>
    public static FewShotCell From(Cell evaluated, int k, int draw, AdaptationMode mode, int shots) =>
        new()
        {
            Method = evaluated.Method,
            Variant = evaluated.Variant,
            Corpus = evaluated.Corpus,
            Fold = evaluated.Fold,
            Seed = evaluated.Seed,
            K = k,
            Draw = draw,
            Mode = mode,
            Shots = shots,
            Count = evaluated.Count ?? 0,
            Accuracy = evaluated.Accuracy!.Value,
            MacroF1 = evaluated.MacroF1!.Value,
            Uar = evaluated.Uar!.Value,
        };
}

/// <summary>One point of a few-shot curve: a column on a corpus with k shots per class, over folds, seeds and
/// draws.</summary>
public sealed class FewShotSummary
{
    public string Method { get; set; } = "";
    public string? Variant { get; set; }
    public string Corpus { get; set; } = "";
    public int K { get; set; }
    public AdaptationMode Mode { get; set; }
    public MeanStd Accuracy { get; set; } = new(0, 0);
    public MeanStd MacroF1 { get; set; } = new(0, 0);
    public MeanStd Uar { get; set; } = new(0, 0);

    /// <summary>Runs averaged: folds × seeds × draws (folds × seeds for k = 0).</summary>
    public int Runs { get; set; }

    [JsonIgnore]
    public string Column => Variant ?? Method;
}

/// <summary>
/// Few-shot adaptation curves: aggregation (k = 0 is the zero-shot result itself), the report's table of UAR against
/// k and one PNG per corpus with a line per column.
/// </summary>
public static class FewShotCurves
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// One entry per column × corpus × k: mean and sample std over every (fold, seed, draw) cell; k = 0 copies the
    /// zero-shot summary of the same column and corpus.
    /// </summary>
    public static List<FewShotSummary> Build(IEnumerable<FewShotCell> cells, IEnumerable<ResultSummary> zeroShot)
    {
        var all = cells.ToList();
        var zero = zeroShot.ToList();
        var result = new List<FewShotSummary>();
        foreach (var curve in all.GroupBy(c => (c.Column, c.Corpus)))
        {
            var first = curve.First();
            if (zero.FirstOrDefault(r => r.Column == first.Column && r.Corpus == first.Corpus) is { } z)
            {
                result.Add(
                    new FewShotSummary
                    {
                        Method = z.Method,
                        Variant = z.Variant,
                        Corpus = z.Corpus,
                        K = 0,
                        Mode = first.Mode,
                        Accuracy = z.Accuracy,
                        MacroF1 = z.MacroF1,
                        Uar = z.Uar,
                        Runs = z.Runs,
                    }
                );
            }

            foreach (var point in curve.GroupBy(c => c.K).OrderBy(g => g.Key))
            {
                result.Add(
                    new FewShotSummary
                    {
                        Method = first.Method,
                        Variant = first.Variant,
                        Corpus = first.Corpus,
                        K = point.Key,
                        Mode = first.Mode,
                        Accuracy = Aggregation.MeanStd(point.Select(c => c.Accuracy)),
                        MacroF1 = Aggregation.MeanStd(point.Select(c => c.MacroF1)),
                        Uar = Aggregation.MeanStd(point.Select(c => c.Uar)),
                        Runs = point.Count(),
                    }
                );
            }
        }
        return result;
    }

    /// <summary>The table's header and rows: corpus (first row of its group only), column, UAR mean (std) per
    /// k.</summary>
    private static (List<string> Header, List<List<string>> Rows) Table(
        IReadOnlyList<FewShotSummary> summaries,
        IReadOnlyList<string> corpusOrder
    )
    {
        var ks = summaries.Select(s => s.K).Distinct().Order().ToList();
        var header = new List<string> { "Corpus", "Method" };
        header.AddRange(ks.Select(k => k == 0 ? "k = 0 (zero-shot)" : $"k = {k}"));
        var rows = new List<List<string>>();
        foreach (var corpus in corpusOrder)
        {
            var firstRow = true;
            foreach (var column in summaries.Where(s => s.Corpus == corpus).Select(s => s.Column).Distinct())
            {
                var row = new List<string>
                {
                    firstRow ? CorpusNames.DisplayName(corpus) : "",
                    Methods.DisplayName(column),
                };
                row.AddRange(
                    ks.Select(k =>
                        summaries.FirstOrDefault(s => s.Corpus == corpus && s.Column == column && s.K == k) is { } s
                            ? $"{s.Uar.Mean.ToString("0.000", Inv)} ({s.Uar.Std.ToString("0.000", Inv)})"
                            : "–"
                    )
                );
                rows.Add(row);
                firstRow = false;
            }
        }
        return (header, rows);
    }

    /// <summary>Rows corpus × column, columns k (k = 0 is zero-shot): UAR mean (std).</summary>
    public static string RenderMarkdown(IReadOnlyList<FewShotSummary> summaries, IReadOnlyList<string> corpusOrder)
    {
        if (summaries.Count == 0)
            return "_No few-shot results._\n";
        var (header, rows) = Table(summaries, corpusOrder);
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", header) + " |");
        sb.AppendLine("|---|---|" + string.Concat(header.Skip(2).Select(_ => "---|")));
        foreach (var row in rows)
            sb.AppendLine("| " + string.Join(" | ", row) + " |");
        return sb.ToString();
    }

    /// <summary>The same table as plain text for the console.</summary>
    public static string RenderText(IReadOnlyList<FewShotSummary> summaries, IReadOnlyList<string> corpusOrder)
    {
        var (header, rows) = Table(summaries, corpusOrder);
        var lines = new List<List<string>> { header };
        lines.AddRange(rows);
        var sb = new StringBuilder(TextTable.Render(lines));
        sb.AppendLine(
            "UAR, mean (sample std) over folds, seeds and draws; k = labelled clips per class; k = 0 is zero-shot"
        );
        return sb.ToString();
    }

    /// <summary>
    /// UAR against k for one corpus: a line per column with ± std error bars; k on an even categorical axis; the
    /// zero-shot point (k = 0) drawn as a diamond and joined by a dashed segment; chance (1/classes) dotted.
    /// </summary>
    public static void SavePlot(
        string path,
        IReadOnlyList<FewShotSummary> summaries,
        string corpus,
        int classes,
        int width = 720,
        int height = 480
    )
    {
        var points = summaries.Where(s => s.Corpus == corpus).ToList();
        if (points.Count == 0)
            throw new ArgumentException($"no few-shot results for {corpus}");
        var ks = points.Select(s => s.K).Distinct().Order().ToList();
        var plot = new Plot();
        var line = 0;
        foreach (var column in points.Select(s => s.Column).Distinct())
        {
            var color = ColumnColor(column, line++);
            var curve = points.Where(s => s.Column == column).OrderBy(s => s.K).ToList();
            var adapted = curve.Where(s => s.K > 0).ToList();
            double X(FewShotSummary s) => ks.IndexOf(s.K);
            if (adapted.Count > 0)
            {
                var scatter = plot.Add.Scatter(
                    adapted.Select(X).ToArray(),
                    adapted.Select(s => s.Uar.Mean).ToArray(),
                    color
                );
                scatter.LegendText = Methods.DisplayName(column);
                scatter.LineWidth = 2;
                scatter.MarkerSize = 7;
                var bars = plot.Add.ErrorBar(
                    adapted.Select(X).ToArray(),
                    adapted.Select(s => s.Uar.Mean).ToArray(),
                    adapted.Select(s => s.Uar.Std).ToArray()
                );
                bars.Color = color;
            }
            if (curve.FirstOrDefault(s => s.K == 0) is { } zero)
            {
                var marker = plot.Add.Markers(
                    new[] { X(zero) },
                    new[] { zero.Uar.Mean },
                    MarkerShape.FilledDiamond,
                    11,
                    color
                );
                if (adapted.Count == 0)
                    marker.LegendText = Methods.DisplayName(column);
                if (adapted.Count > 0)
                {
                    var join = plot.Add.Scatter(
                        new[] { X(zero), X(adapted[0]) },
                        new[] { zero.Uar.Mean, adapted[0].Uar.Mean },
                        color
                    );
                    join.LinePattern = LinePattern.Dashed;
                    join.MarkerSize = 0;
                }
            }
        }
        var chance = plot.Add.HorizontalLine(1.0 / classes);
        chance.LinePattern = LinePattern.Dotted;
        chance.Color = Colors.Gray;
        chance.LegendText = "chance";
        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, ks.Count).Select(i => (double)i).ToArray(),
            ks.Select(k => k == 0 ? "0 (zero-shot)" : k.ToString(Inv)).ToArray()
        );
        plot.Axes.SetLimits(-0.4, ks.Count - 0.6, 0, 1);
        plot.XLabel("labelled clips per class (k)");
        plot.YLabel("UAR");
        plot.Title($"Few-shot adaptation: {CorpusNames.DisplayName(corpus)} ({points[0].Mode.Name()})");
        plot.ShowLegend(Edge.Bottom);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }

    private static Color ColumnColor(string column, int index) =>
        column switch
        {
            Methods.Baseline => Color.FromHex("#1f77b4"),
            Methods.Contrastive => Color.FromHex("#ff7f0e"),
            Methods.Byol => Color.FromHex("#2ca02c"),
            _ => new ScottPlot.Palettes.Category10().GetColor(3 + index),
        };
}
