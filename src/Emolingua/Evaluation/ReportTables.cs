using System.Globalization;
using System.Text;
using Emolingua.Util;

namespace Emolingua.Evaluation;

/// <summary>A figure linked from report.md (path relative to the report); Embed also shows it inline.</summary>
public sealed record FigureLink(string Caption, string Path, bool Embed = false);

/// <summary>
/// The renderings of an <see cref="ExperimentReport"/>: Table 1 (accuracy / macro F1 / UAR, mean (std)) as markdown and
/// console text, Table 2 (confusion-matrix difference contrastive − baseline), the §4.1 per-gender accuracy table, and
/// report.md with links to the figures.
/// </summary>
public static class ReportTables
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const string Missing = "–";

    private static readonly (string Name, Func<ResultSummary, MeanStd> Get)[] Table1Metrics =
    [
        ("Accuracy", r => r.Accuracy),
        ("Macro F1", r => r.MacroF1),
        ("UAR", r => r.Uar),
    ];

    private static string F3(double v) => v.ToString("0.000", Inv);

    /// <summary>Table 1 as rows of cells: (corpus label or "", metric, per column (text, isBest)).</summary>
    private static List<(string Corpus, string Metric, List<(string Mean, string Std, bool Best)> Cells)> Table1Rows(
        ExperimentReport report
    )
    {
        var columns = report.Columns();
        var rows = new List<(string, string, List<(string, string, bool)>)>();
        foreach (var corpus in report.Corpora())
        {
            var firstRow = true;
            foreach (var (name, get) in Table1Metrics)
            {
                var values = columns.Select(c => report.Find(c, corpus) is { } r ? get(r) : null).ToList();
                // Best = highest mean at the printed precision, so printed ties are all bold.
                var best = values
                    .Where(v => v != null)
                    .Select(v => Math.Round(v!.Mean, 3))
                    .DefaultIfEmpty(double.NaN)
                    .Max();
                var cells = values
                    .Select(v =>
                        v == null ? (Missing, "", false) : (F3(v.Mean), F3(v.Std), Math.Round(v.Mean, 3) == best)
                    )
                    .ToList();
                rows.Add((firstRow ? CorpusNames.DisplayName(corpus) : "", name, cells));
                firstRow = false;
            }
        }
        return rows;
    }

    public static string Table1Markdown(ExperimentReport report)
    {
        var columns = report.Columns();
        var sb = new StringBuilder();
        sb.AppendLine("| Corpus | Metric | " + string.Join(" | ", columns.Select(Methods.DisplayName)) + " |");
        sb.AppendLine("|---|---|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var (corpus, metric, cells) in Table1Rows(report))
        {
            var texts = cells.Select(c =>
                c.Mean == Missing ? Missing : (c.Best ? $"**{c.Mean}**" : c.Mean) + $" ({c.Std})"
            );
            sb.AppendLine($"| {corpus} | {metric} | " + string.Join(" | ", texts) + " |");
        }
        return sb.ToString();
    }

    /// <summary>Plain-text Table 1 for the console; the best value per row is marked with '*'.</summary>
    public static string Table1Text(ExperimentReport report)
    {
        var header = new List<string> { "Corpus", "Metric" };
        header.AddRange(report.Columns().Select(Methods.DisplayName));
        var lines = new List<List<string>> { header };
        foreach (var (corpus, metric, cells) in Table1Rows(report))
        {
            var line = new List<string> { corpus, metric };
            line.AddRange(
                cells.Select(c => c.Mean == Missing ? Missing : $"{c.Mean} ({c.Std})" + (c.Best ? "*" : " "))
            );
            lines.Add(line);
        }
        var sb = new StringBuilder(TextTable.Render(lines));
        sb.AppendLine("mean (sample std) over runs; * = best in row");
        return sb.ToString();
    }

    /// <summary>Signed integer as in the paper's Table 2: "+20", "-16", "0" (rounded half away from zero).</summary>
    public static string Signed(double v)
    {
        var r = (long)Math.Round(v, MidpointRounding.AwayFromZero);
        return r > 0 ? "+" + r.ToString(Inv) : r.ToString(Inv);
    }

    /// <summary>Table 2 for every corpus with both columns: rows Truth, columns Pred, signed mean-count
    /// differences.</summary>
    public static string Table2Markdown(
        ExperimentReport report,
        string minuend = Methods.Contrastive,
        string subtrahend = Methods.Baseline
    )
    {
        var labels = report.Protocol.LabelMap;
        var sb = new StringBuilder();
        foreach (var corpus in report.Corpora())
        {
            var d = report.ConfusionDifference(corpus, minuend, subtrahend);
            if (d == null)
                continue;
            sb.AppendLine(
                $"**{CorpusNames.DisplayName(corpus)}**: mean confusion matrix of {Methods.DisplayName(minuend)} − {Methods.DisplayName(subtrahend)} (counts per run)"
            );
            sb.AppendLine();
            sb.AppendLine("| Truth \\ Pred | " + string.Join(" | ", labels) + " |");
            sb.AppendLine("|---|" + string.Concat(labels.Select(_ => "---|")));
            for (var i = 0; i < d.Length; i++)
            {
                sb.AppendLine(
                    $"| {(i < labels.Count ? labels[i] : i.ToString(Inv))} | "
                        + string.Join(" | ", d[i].Select(Signed))
                        + " |"
                );
            }

            sb.AppendLine();
        }
        return sb.Length == 0
            ? $"_No corpus has both {Methods.DisplayName(minuend)} and {Methods.DisplayName(subtrahend)} results._\n"
            : sb.ToString();
    }

    /// <summary>§4.1: accuracy by gender, rows corpus × column, "mean (std)" per gender.</summary>
    public static string GenderTableMarkdown(ExperimentReport report)
    {
        var genders = report
            .Results.Where(r => r.GenderAccuracy != null)
            .SelectMany(r => r.GenderAccuracy!.Keys)
            .Distinct()
            .ToList();
        if (genders.Count == 0)
            return "_No per-gender results._\n";
        // female, male first (the paper's columns), then anything else (e.g. unknown).
        genders = new[] { "female", "male" }
            .Where(genders.Contains)
            .Concat(genders.Where(g => g is not ("female" or "male")).OrderBy(g => g, StringComparer.Ordinal))
            .ToList();
        var sb = new StringBuilder();
        sb.AppendLine(
            "| Corpus | Method | "
                + string.Join(" | ", genders.Select(g => char.ToUpperInvariant(g[0]) + g[1..]))
                + " |"
        );
        sb.AppendLine("|---|---|" + string.Concat(genders.Select(_ => "---|")));
        foreach (var corpus in report.Corpora())
        {
            var first = true;
            foreach (var column in report.Columns())
            {
                var r = report.Find(column, corpus);
                if (r == null)
                    continue;
                var cells = genders.Select(g =>
                    r.GenderAccuracy != null && r.GenderAccuracy.TryGetValue(g, out var m)
                        ? $"{F3(m.Mean)} ({F3(m.Std)})"
                        : Missing
                );
                sb.AppendLine(
                    $"| {(first ? CorpusNames.DisplayName(corpus) : "")} | {Methods.DisplayName(column)} | "
                        + string.Join(" | ", cells)
                        + " |"
                );
                first = false;
            }
        }
        return sb.ToString();
    }

    public static string Markdown(
        ExperimentReport report,
        IEnumerable<FigureLink>? figures = null,
        string title = "Emolingua results"
    )
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}");
        sb.AppendLine();
        var p = report.Protocol;
        var facts = new List<string>();
        if (p.Recipe != null)
            facts.Add($"recipe `{p.Recipe}`");
        var foldsRun = p.Extra?.GetValueOrDefault("folds_run")?.ToString();
        if (p.Folds != null)
        {
            facts.Add(
                foldsRun != null ? $"folds {foldsRun} of {p.Folds}"
                : p.Folds == 1 ? "1 fold"
                : $"{p.Folds} folds"
            );
        }

        if (p.Seeds is { Count: > 0 })
            facts.Add("seeds " + string.Join(", ", p.Seeds.Select(s => s.ToString(Inv))));
        if (p.SplitHash != null)
            facts.Add($"split `{p.SplitHash}`");
        if (p.EmolinguaVersion != null)
            facts.Add($"Emolingua {p.EmolinguaVersion}");
        if (facts.Count > 0)
            sb.AppendLine(string.Join("; ", facts) + ".");
        sb.AppendLine(
            $"Labels: {string.Join(", ", p.LabelMap.Select((l, i) => $"{i} = {l}"))}. Aggregation: {p.Aggregation}."
        );
        var failed = report.Cells.Count(c => !c.IsOk);
        if (failed > 0)
            sb.AppendLine($"**{failed} run(s) failed** and are excluded from the means (see results.json \"cells\").");
        sb.AppendLine();
        sb.AppendLine("## Table 1: accuracy, macro F1 and UAR, mean (std)");
        sb.AppendLine();
        sb.AppendLine(Table1Markdown(report));
        sb.AppendLine("Best mean per row in bold; std is the sample std over runs; – = not run.");
        var references = report.Columns().Where(Methods.References.Contains).ToList();
        if (references.Count > 0)
        {
            var notes = new Dictionary<string, string>
            {
                [Methods.Chance] = "Chance = the expected score of guessing uniformly at random",
                [Methods.Majority] = "Majority = always the most frequent class of the English training set",
                [Methods.Acoustic] =
                    "Acoustic = a class-balanced logistic regression on 31 utterance functionals of pitch, energy, voicing and spectral shape, trained on the English training set",
            };
            sb.AppendLine(string.Join("; ", references.Select(r => notes[r])) + " (one run per fold; see the README).");
        }
        sb.AppendLine();
        sb.AppendLine("## Table 2: confusion-matrix difference, Contrastive − Baseline");
        sb.AppendLine();
        sb.Append(Table2Markdown(report));
        sb.AppendLine("Positive diagonal / negative off-diagonal = Contrastive better.");
        sb.AppendLine();
        sb.AppendLine("## Accuracy by gender (§4.1)");
        sb.AppendLine();
        sb.AppendLine(GenderTableMarkdown(report));
        if (report.FewShot is { Count: > 0 } fewShot)
        {
            sb.AppendLine(
                $"## Few-shot adaptation: UAR against labelled clips per class ({string.Join(", ", fewShot.Select(f => f.Mode.Name()).Distinct())} mode)"
            );
            sb.AppendLine();
            sb.AppendLine(
                FewShotCurves.RenderMarkdown(
                    fewShot,
                    report.Corpora().Concat(fewShot.Select(f => f.Corpus)).Distinct().ToList()
                )
            );
            sb.AppendLine(
                "k shots per class from the corpus's training folds (never a test-fold speaker); mean (sample std) over folds, seeds and draws; k = 0 is the zero-shot result of Table 1. Accuracy and macro F1 are in results.json \"few_shot\"."
            );
            sb.AppendLine();
        }
        var figs = figures?.ToList();
        if (figs is { Count: > 0 })
        {
            sb.AppendLine("## Figures");
            sb.AppendLine();
            foreach (var f in figs)
                sb.AppendLine($"- [{f.Caption}]({f.Path.Replace(" ", "%20", StringComparison.Ordinal)})");
            sb.AppendLine();
            foreach (var f in figs.Where(f => f.Embed))
                sb.AppendLine($"![{f.Caption}]({f.Path.Replace(" ", "%20", StringComparison.Ordinal)})").AppendLine();
        }
        return sb.ToString();
    }

    public static void SaveMarkdown(
        ExperimentReport report,
        string path,
        IEnumerable<FigureLink>? figures = null,
        string title = "Emolingua results"
    ) => AtomicFile.WriteAllText(path, Markdown(report, figures, title));
}
