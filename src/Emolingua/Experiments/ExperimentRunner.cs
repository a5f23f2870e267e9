using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Evaluation;
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
    public sealed record Options(string OutDir, string? DataDir, torch.Device Device, bool Resume, Action<string>? Log = null);

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
        var fewShotCells = new List<FewShotCell>();
        var store = new WaveformStore();
        int total = exp.Runs.Count * exp.Folds.Count * exp.Seeds.Count, done = 0;
        foreach (var fold in exp.Folds)
            foreach (var seed in exp.Seeds)
                foreach (var entry in exp.Runs)
                {
                    done++;
                    var runDir = Path.Combine(outDir, "runs", ExperimentRecipe.RunName(entry, fold, seed));
                    var cellsPath = Path.Combine(runDir, "cells.json");
                    var kinds = entry.Evaluate.Where(tests.ContainsKey).ToList();
                    var recipe = exp.TrainingRecipe(entry, fold, seed);
                    string? variant = entry.Column != recipe.Method ? entry.Column : null;
                    var fewShotModel = new FewShotExperiment.Model(runDir, recipe, recipe.Method, variant, fold, seed, Path.GetRelativePath(outDir, runDir));
                    var fewShotKinds = exp.FewShot is { } fewShot ? kinds.Where(k => fewShot.Covers(tests[k])).ToList() : [];
                    if (File.Exists(cellsPath))
                    {
                        var earlier = JsonSerializer.Deserialize<List<Cell>>(File.ReadAllText(cellsPath), ExperimentReport.JsonOptions) ?? new();
                        cells.AddRange(earlier);
                        log($"[{done}/{total}] {entry.Column} fold {fold} seed {seed}: done earlier");
                        if (fewShotKinds.Count > 0 && earlier.All(c => c.IsOk))
                        {
                            using var trained = TorchEmotionEngine.Load(runDir, o.Device, recipe.Training.EvalBatch);
                            fewShotCells.AddRange(FewShot(exp, fewShotModel, trained, fewShotKinds, tests, TestSet, store, o.Device, log));
                        }
                        continue;
                    }
                    log($"[{done}/{total}] {entry.Column}{(entry.Tag is { } t ? $" ({t})" : "")} fold {fold} seed {seed}: training");
                    try
                    {
                        TrainRun.Execute(recipe, new TrainRun.Options(runDir, o.DataDir, o.Device, Resume: true, log, Store: store)); // decoded audio shared by every run
                        using var engine = TorchEmotionEngine.Load(runDir, o.Device, recipe.Training.EvalBatch);
                        var runCells = new List<Cell>();
                        foreach (var kind in kinds)
                        {
                            var preds = ZeroShotEvaluation.Run(engine, TestSet(kind, fold), store,
                                embeddings: exp.Tsne.Enabled && fold == exp.Tsne.Fold && seed == exp.Tsne.Seed);
                            var evalDir = Path.Combine(runDir, "eval", kind);
                            Directory.CreateDirectory(evalDir);
                            preds.SaveCsv(Path.Combine(evalDir, "predictions.csv"));
                            if (preds.Embeddings is { } e)
                                Npy.WriteFloat32(Path.Combine(evalDir, "embeddings.npy"), e.SelectMany(r => r).ToArray(), e.Length, e[0].Length);
                            var cell = preds.ToCell(recipe.Method, kind, fold, seed, variant, Path.GetRelativePath(outDir, runDir));
                            runCells.Add(cell);
                            log($"    {kind}: accuracy {cell.Accuracy:0.000}, macro F1 {cell.MacroF1:0.000}, UAR {cell.Uar:0.000} (n = {cell.Count})");
                        }
                        AtomicFile.WriteAllText(cellsPath, JsonSerializer.Serialize(runCells, ExperimentReport.JsonOptions));
                        cells.AddRange(runCells);
                        fewShotCells.AddRange(FewShot(exp, fewShotModel, engine, fewShotKinds, tests, TestSet, store, o.Device, log));
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
        cells.AddRange(ReferenceBaselines.Run(exp, exp.References, o.DataDir, tests, TestSet, store, outDir, log));
        var report = ExperimentReport.Build(protocol, cells);
        if (exp.FewShot != null) report.FewShot = FewShotCurves.Build(fewShotCells, report.Results);
        report.Save(Path.Combine(outDir, "results.json"));
        var figures = Plot(report, exp, outDir, tests.Keys.ToList(), log);
        report.SaveMarkdown(Path.Combine(outDir, "report.md"), figures, $"Emolingua results: {exp.Name}");
        return report;
    }

    /// <summary>A trained model's few-shot cells; a failure is logged and leaves the model's zero-shot results standing.</summary>
    private static List<FewShotCell> FewShot(ExperimentRecipe exp, FewShotExperiment.Model model, TorchEmotionEngine engine, List<string> kinds,
        Dictionary<string, ICorpus> tests, Func<string, int, List<Utterance>> testSet, WaveformStore store, torch.Device device, Action<string> log)
    {
        var cells = new List<FewShotCell>();
        foreach (var kind in kinds)
        {
            try { cells.AddRange(FewShotExperiment.Run(exp.FewShot!, model, engine, tests[kind], testSet(kind, model.Fold), exp.FoldCount, exp.FoldSeed, store, device, log)); }
            catch (EmolinguaException e) { log($"    few-shot {kind} failed: {e.Message}"); }
        }
        return cells;
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
        foreach (var kind in report.FewShot?.Select(f => f.Corpus).Distinct() ?? [])
        {
            var file = $"fewshot_{kind}.png";
            FewShotCurves.SavePlot(Path.Combine(plots, file), report.FewShot!, kind, Predictions.Labels.Length);
            figures.Add(new FigureLink($"Few-shot adaptation on {CorpusNames.DisplayName(kind)}: UAR against labelled clips per class", "plots/" + file, Embed: true));
        }
        foreach (var r in report.Results.Where(r => r.ConfusionMatrixMean != null && r.Method != Methods.Majority))
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
                var labels = File.ReadLines(Path.Combine(evalDir, "predictions.csv")).Skip(1)
                    .Select(l => Array.IndexOf(Predictions.Labels, l.Split(',')[4])).ToList();
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
