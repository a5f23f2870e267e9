using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Evaluation;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training;
using Emolingua.Util;
using TorchSharp;
using Emolingua.Inference;

namespace Emolingua.Experiments;

/// <summary>
/// Runs an experiment grid into OUT: runs/COLUMN[-TAG]/foldK-seedS/ (each a full training RUN_DIR with model/, plus
/// eval/CORPUS/predictions.csv and cells.json once evaluated), results.json, report.md and plots/. A finished cell
/// (cells.json present) is skipped on resume; an interrupted training run resumes from its last checkpoint.
/// </summary>
public static class ExperimentRunner
{
    public sealed record Options(string OutDir, string? DataDir, torch.Device Device, bool Resume, Action<string>? Log = null,
        IProgress<TrainingProgress>? Progress = null);

    public static ExperimentReport Run(ExperimentRecipe exp, Options o)
    {
        var log = o.Log ?? (m => Console.Error.WriteLine(m));
        var outDir = Path.GetFullPath(o.OutDir);
        Directory.CreateDirectory(outDir);
        if (File.Exists(Path.Combine(outDir, "results.json")) && !o.Resume)
            throw new EmolinguaException(outDir, "already holds experiment results; pass --resume to continue or choose another --out");

        var tests = new Dictionary<string, ICorpus>();
        foreach (var c in exp.TestCorpora)
        {
            var root = TrainingData.ResolveRoot(c.Root, o.DataDir);
            if (c.Optional && !Directory.Exists(root)) continue;
            tests[c.Kind] = Corpus.Open(c.Kind, root);
        }
        var testSets = new Dictionary<(string Kind, int Fold), List<Utterance>>();
        List<Utterance> TestSet(string kind, int fold)
        {
            if (!testSets.TryGetValue((kind, fold), out var set))
                set = testSets[(kind, fold)] = TrainingData.TestFold(tests[kind], fold, exp.FoldCount, exp.FoldSeed);
            return set;
        }

        var cells = new List<Cell>();
        var store = new WaveformStore(WhisperAudio.SampleRate);
        int total = exp.Runs.Count * exp.Folds.Count * exp.Seeds.Count, done = 0;
        foreach (var fold in exp.Folds)
            foreach (var seed in exp.Seeds)
                foreach (var entry in exp.Runs)
                {
                    done++;
                    var runDir = Path.Combine(outDir, "runs", ExperimentRecipe.RunName(entry, fold, seed));
                    var cellsPath = Path.Combine(runDir, "cells.json");
                    var kinds = entry.Evaluate.Where(tests.ContainsKey).ToList();
                    if (File.Exists(cellsPath))
                    {
                        cells.AddRange(JsonSerializer.Deserialize<List<Cell>>(File.ReadAllText(cellsPath), Json.Indented) ?? new());
                        log($"[{done}/{total}] {entry.Column} fold {fold} seed {seed}: done earlier");
                        continue;
                    }
                    log($"[{done}/{total}] {entry.Column}{(entry.Tag is { } t ? $" ({t})" : "")} fold {fold} seed {seed}: training");
                    var recipe = exp.TrainingRecipe(entry, fold, seed);
                    string? variant = entry.Column != recipe.Method ? entry.Column : null;
                    try
                    {
                        TrainRun.Execute(recipe, new TrainRun.Options(runDir, o.DataDir, o.Device, Resume: true, log, Store: store, Progress: o.Progress)); // decoded audio shared by every run
                        using var engine = TorchEmotionEngine.Load(runDir, o.Device, recipe.Training.EvalBatch);
                        var runCells = new List<Cell>();
                        foreach (var kind in kinds)
                        {
                            var preds = ZeroShotEvaluation.Run(engine, TestSet(kind, fold), store,
                                embeddings: exp.Tsne.Enabled && fold == exp.Tsne.Fold && seed == exp.Tsne.Seed);
                            var cell = EvaluationResult.Of(preds, recipe.Method, kind, fold, seed, variant, Path.GetRelativePath(outDir, runDir)).Cell;
                            EvaluationWriter.SavePredictions(Path.Combine(runDir, "eval", kind), preds);
                            runCells.Add(cell);
                            log($"    {kind}: accuracy {cell.Accuracy:0.000}, macro F1 {cell.MacroF1:0.000}, UAR {cell.Uar:0.000} (n = {cell.Count})");
                        }
                        Json.Save(cellsPath, runCells);
                        cells.AddRange(runCells);
                    }
                    catch (EmolinguaException e)
                    {
                        log($"    failed: {e.Message}");
                        cells.AddRange(kinds.Select(k => Cell.Failed(recipe.Method, k, fold, seed, e.Message, variant, Path.GetRelativePath(outDir, runDir))));
                    }
                }

        var protocol = new Protocol
        {
            Folds = exp.FoldCount, Seeds = exp.Seeds, Recipe = exp.Name, EmolinguaVersion = VersionInfo.Version,
            SplitHash = SplitHash(exp, tests.Keys, TestSet),
            Extra = new() { ["folds_run"] = string.Join(", ", exp.Folds), ["fold_seed"] = exp.FoldSeed },
        };
        var report = ExperimentReport.Build(protocol, cells);
        report.Save(Path.Combine(outDir, "results.json"));
        var figures = Plot(report, exp, outDir, tests.Keys.ToList(), log);
        ReportTables.SaveMarkdown(report, Path.Combine(outDir, "report.md"), figures, $"Emolingua results: {exp.Name}");
        return report;
    }

    /// <summary>A hash of every (corpus, fold) test set's sorted utterance ids: equal hashes mean identical splits.</summary>
    private static string SplitHash(ExperimentRecipe exp, IEnumerable<string> kinds, Func<string, int, List<Utterance>> testSet)
    {
        var sb = new StringBuilder();
        foreach (var kind in kinds.Order(StringComparer.Ordinal))
            foreach (var fold in exp.Folds)
                sb.Append(kind).Append(fold).Append(':').AppendJoin(',', testSet(kind, fold).Select(u => u.Id).Order(StringComparer.Ordinal)).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
    }

    private static List<FigureLink> Plot(ExperimentReport report, ExperimentRecipe exp, string outDir, List<string> kinds, Action<string> log)
    {
        var plots = Path.Combine(outDir, "plots");
        Directory.CreateDirectory(plots);
        var figures = new List<FigureLink>();
        foreach (var r in report.Results.Where(r => r.ConfusionMatrixMean != null))
        {
            var file = $"confusion_{r.Column.Replace(':', '-')}_{r.Corpus}.png";
            EvaluationPlots.SaveConfusionMatrix(Path.Combine(plots, file), r.ConfusionMatrixMean!, Predictions.Labels,
                $"{Methods.DisplayName(r.Column)} on {CorpusNames.DisplayName(r.Corpus)} (mean over {r.Runs} runs)");
            figures.Add(new FigureLink($"Confusion matrix: {Methods.DisplayName(r.Column)}, {CorpusNames.DisplayName(r.Corpus)}", "plots/" + file));
        }
        if (!exp.Tsne.Enabled) return figures;
        foreach (var kind in kinds)
        {
            var sets = new List<EmbeddingSet>();
            foreach (var cell in report.Cells.Where(c => c.IsOk && c.Corpus == kind && c.Fold == exp.Tsne.Fold && c.Seed == exp.Tsne.Seed && c.RunDir != null)
                         .GroupBy(c => c.Column).Select(g => g.First()))
            {
                var evalDir = Path.Combine(outDir, cell.RunDir!, "eval", kind);
                var npy = Path.Combine(evalDir, "embeddings.npy");
                if (!File.Exists(npy)) continue;
                var a = Npy.Read(npy);
                int n = (int)a.Shape[0], d = (int)a.Shape[1];
                var labels = Predictions.ReadTruth(Path.Combine(evalDir, "predictions.csv"));
                var rows = Enumerable.Range(0, n).Select(i => a.Data.AsSpan(i * d, d).ToArray()).ToArray();
                if (n > exp.Tsne.MaxPoints) { rows = rows[..exp.Tsne.MaxPoints]; labels = labels.Take(exp.Tsne.MaxPoints).ToList(); }
                sets.Add(new EmbeddingSet(Methods.DisplayName(cell.Column), rows, labels));
            }
            if (sets.Count == 0) continue;
            var file = $"tsne_{kind}.png";
            log($"t-SNE of {kind} embeddings ({sets.Count} panels)");
            EvaluationPlots.FitAndSaveTsneFigure(Path.Combine(plots, file), $"t-SNE of {CorpusNames.DisplayName(kind)} test embeddings (fold {exp.Tsne.Fold}, seed {exp.Tsne.Seed})",
                sets, Predictions.Labels, new TsneOptions { Perplexity = Math.Min(exp.Tsne.Perplexity, Math.Max(2, (sets.Min(s => s.Embeddings.Length) - 1) / 3.0)), Seed = exp.Tsne.Seed });
            figures.Add(new FigureLink($"t-SNE of {CorpusNames.DisplayName(kind)} embeddings, one panel per method (Figure 3)", "plots/" + file, Embed: true));
        }
        return figures;
    }
}
