using System.Security.Cryptography;
using System.Text;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Evaluation;
using Emolingua.Features;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// The grid's report: every cell's results (a cell that did not finish counts as failed) aggregated into
/// OUT/results.json, OUT/report.md and OUT/plots/, with Table 1's reference rows (computed here, cached under
/// OUT/reference/) and the few-shot curves. Reads only the plan, the run folders and the corpora, so it can run in a
/// process of its own after the cells (the Slurm report job).
/// </summary>
public static class ExperimentReporter
{
    /// <summary><c>experiment report DIR</c>: the report of a planned grid, from its folder alone.</summary>
    public static ExperimentReport Write(string outDir, Action<string> log)
    {
        var plan = ExperimentPlan.Load(outDir);
        var exp = plan.LoadRecipe();
        // The report computes no tensors: the device is only part of the context.
        return Write(
            new GridContext(
                plan,
                exp,
                new ExperimentTestSets(exp, plan.DataDir),
                new WaveformStore(WhisperAudio.SampleRate),
                TorchSharp.torch.CPU,
                log
            )
        );
    }

    public static ExperimentReport Write(GridContext grid)
    {
        var (plan, exp, tests, log) = (grid.Plan, grid.Experiment, grid.Tests, grid.Log);
        var cells = plan.Cells.SelectMany(c => CellRunner.Collect(plan, c)).ToList();
        cells.AddRange(ReferenceBaselines.Run(grid));
        var protocol = new Protocol
        {
            Folds = exp.FoldCount,
            Seeds = exp.Seeds,
            Recipe = exp.Name,
            EmolinguaVersion = VersionInfo.Version,
            SplitHash = SplitHash(exp, tests.Kinds, tests.Get),
            Extra = new() { ["folds_run"] = string.Join(", ", exp.Folds), ["fold_seed"] = exp.FoldSeed },
        };
        var report = ExperimentReport.Build(protocol, cells);
        if (exp.FewShot != null)
            report.FewShot = FewShotCurves.Build(CellRunner.CollectFewShot(grid), report.Results);
        report.Save(Path.Combine(plan.OutDir, "results.json"));
        var figures = Plot(report, exp, plan.OutDir, tests.Kinds.ToList(), log);
        ReportTables.SaveMarkdown(
            report,
            Path.Combine(plan.OutDir, "report.md"),
            figures,
            $"Emolingua results: {exp.Name}"
        );
        return report;
    }

    /// <summary>A hash of every (corpus, fold) test set's sorted utterance ids: equal hashes mean identical
    /// splits.</summary>
    private static string SplitHash(
        ExperimentRecipe exp,
        IEnumerable<string> kinds,
        Func<string, int, List<Utterance>> testSet
    )
    {
        var sb = new StringBuilder();
        foreach (var kind in kinds.Order(StringComparer.Ordinal))
        {
            foreach (var fold in exp.Folds)
            {
                sb.Append(kind)
                    .Append(fold)
                    .Append(':')
                    .AppendJoin(',', testSet(kind, fold).Select(u => u.Id).Order(StringComparer.Ordinal))
                    .Append('\n');
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
    }

    private static List<FigureLink> Plot(
        ExperimentReport report,
        ExperimentRecipe exp,
        string outDir,
        List<string> kinds,
        Action<string> log
    )
    {
        var plots = Path.Combine(outDir, "plots");
        Directory.CreateDirectory(plots);
        var figures = new List<FigureLink>();
        foreach (var kind in report.FewShot?.Select(f => f.Corpus).Distinct() ?? [])
        {
            var file = $"fewshot_{kind}.png";
            FewShotCurves.SavePlot(Path.Combine(plots, file), report.FewShot!, kind, Predictions.Labels.Length);
            figures.Add(
                new FigureLink(
                    $"Few-shot adaptation on {CorpusNames.DisplayName(kind)}: UAR against labelled clips per class",
                    "plots/" + file,
                    Embed: true
                )
            );
        }
        // Majority's matrix is one column by construction; chance has none.
        foreach (var r in report.Results.Where(r => r.ConfusionMatrixMean != null && r.Method != Methods.Majority))
        {
            var file = $"confusion_{r.Column.Replace(':', '-')}_{r.Corpus}.png";
            EvaluationPlots.SaveConfusionMatrix(
                Path.Combine(plots, file),
                r.ConfusionMatrixMean!,
                Predictions.Labels,
                $"{Methods.DisplayName(r.Column)} on {CorpusNames.DisplayName(r.Corpus)} (mean over {r.Runs} runs)"
            );
            figures.Add(
                new FigureLink(
                    $"Confusion matrix: {Methods.DisplayName(r.Column)}, {CorpusNames.DisplayName(r.Corpus)}",
                    "plots/" + file
                )
            );
        }
        if (!exp.Tsne.Enabled)
            return figures;
        foreach (var kind in kinds)
        {
            var sets = new List<EmbeddingSet>();
            foreach (
                var cell in report
                    .Cells.Where(c =>
                        c.IsOk
                        && c.Corpus == kind
                        && c.Fold == exp.Tsne.Fold
                        && c.Seed == exp.Tsne.Seed
                        && c.RunDir != null
                    )
                    .GroupBy(c => c.Column)
                    .Select(g => g.First())
            )
            {
                var evalDir = Path.Combine(outDir, cell.RunDir!, "eval", kind);
                var npy = Path.Combine(evalDir, "embeddings.npy");
                if (!File.Exists(npy))
                    continue;
                var a = Npy.Read(npy);
                int n = (int)a.Shape[0],
                    d = (int)a.Shape[1];
                var labels = Predictions.ReadTruth(Path.Combine(evalDir, "predictions.csv"));
                var rows = Enumerable.Range(0, n).Select(i => a.Data.AsSpan(i * d, d).ToArray()).ToArray();
                if (n > exp.Tsne.MaxPoints)
                {
                    rows = rows[..exp.Tsne.MaxPoints];
                    labels = labels.Take(exp.Tsne.MaxPoints).ToList();
                }
                sets.Add(new EmbeddingSet(Methods.DisplayName(cell.Column), rows, labels));
            }
            if (sets.Count == 0)
                continue;
            var file = $"tsne_{kind}.png";
            log($"t-SNE of {kind} embeddings ({sets.Count} panels)");
            EvaluationPlots.FitAndSaveTsneFigure(
                Path.Combine(plots, file),
                $"t-SNE of {CorpusNames.DisplayName(kind)} test embeddings (fold {exp.Tsne.Fold}, seed {exp.Tsne.Seed})",
                sets,
                Predictions.Labels,
                new TsneOptions
                {
                    Perplexity = Math.Min(
                        exp.Tsne.Perplexity,
                        Math.Max(2, (sets.Min(s => s.Embeddings.Length) - 1) / 3.0)
                    ),
                    Seed = exp.Tsne.Seed,
                }
            );
            figures.Add(
                new FigureLink(
                    $"t-SNE of {CorpusNames.DisplayName(kind)} embeddings, one panel per method (Figure 3)",
                    "plots/" + file,
                    Embed: true
                )
            );
        }
        return figures;
    }
}
