using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Evaluation;
using Emolingua.Features;
using Emolingua.Features.Acoustic;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Training;
using Emolingua.Training.Acoustic;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// Table 1's reference columns for every fold of the grid: <c>chance</c> and <c>majority</c>
/// (<see cref="ReferenceScores"/>) and <c>acoustic</c> (<see cref="AcousticFeatures"/> into a logistic regression
/// trained on the fold's English training set, <see cref="AcousticTraining"/>), each evaluated on every test corpus's
/// fold. The English data are those of the grid's Baseline entry (else its first entry) for that fold. They draw
/// nothing at random, so there is one run per fold, recorded as seed 0. Files: OUT/reference/features.csv (every
/// clip's functionals, a cache), OUT/reference/foldK/cells.json (done: skipped on resume), foldK/acoustic/model.json
/// and foldK/acoustic/eval/CORPUS/predictions.csv.
/// </summary>
public static class ReferenceBaselines
{
    public const int Seed = 0;

    /// <summary>The reference rows of every fold of the grid (its recipe's <c>references</c>), cached under
    /// OUT/reference/.</summary>
    public static List<Cell> Run(GridContext grid)
    {
        var (exp, tests, log) = (grid.Experiment, grid.Tests, grid.Log);
        var methods = exp.References;
        var cells = new List<Cell>();
        if (methods.Count == 0 || tests.Kinds.Count == 0)
            return cells;
        var baseline = exp.Runs.FindIndex(r => r.Column == Methods.Baseline);
        var entry = baseline >= 0 ? baseline : 0;
        var features = new FeatureCache(Path.Combine(grid.Plan.OutDir, "reference", "features.csv"), grid.Store);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var fold in exp.Folds)
        {
            var foldDir = Path.Combine(grid.Plan.OutDir, "reference", $"fold{fold}");
            var cellsPath = Path.Combine(foldDir, "cells.json");
            if (File.Exists(cellsPath))
            {
                cells.AddRange(
                    JsonSerializer.Deserialize<List<Cell>>(File.ReadAllText(cellsPath), Json.Indented) ?? []
                );
                log($"reference rows, fold {fold}: done earlier");
                continue;
            }
            try
            {
                // The English data of the entry's first seed of this fold (a reference row draws nothing at random).
                var english = grid.Plan.Cells.First(c => c.Entry == entry && c.Fold == fold && c.Seed == exp.Seeds[0]);
                cells.AddRange(RunFold(grid, features, english, foldDir, cellsPath));
                log($"reference rows, fold {fold}: done ({watch.Elapsed.TotalSeconds:0.0} s so far)");
            }
            catch (EmolinguaException e)
            {
                // Not cached: a later run retries (e.g. once the English data are complete).
                log($"reference rows, fold {fold} failed: {e.Message}");
                cells.AddRange(
                    tests.Kinds.SelectMany(kind => methods.Select(m => Cell.Failed(m, kind, fold, Seed, e.Message)))
                );
            }
        }
        return cells;
    }

    /// <param name="englishCell">The grid cell whose training recipe names the fold's English data.</param>
    private static List<Cell> RunFold(
        GridContext grid,
        FeatureCache features,
        GridCell englishCell,
        string foldDir,
        string cellsPath
    )
    {
        var (methods, tests, log, fold) = (grid.Experiment.References, grid.Tests, grid.Log, englishCell.Fold);
        var english = TrainingData
            .Load(grid.TrainingRecipe(englishCell), grid.Plan.DataDir, needEnglish: true, needUnlabeled: false)
            .EnglishTrain.Where(u => u.Label != null)
            .ToList();
        var englishLabels = english.Select(u => (int)u.Label!.Value).ToArray();
        var majority = ReferenceScores.MajorityClass(englishLabels, Predictions.Labels.Length);
        AcousticClassifier? acoustic = null;
        if (methods.Contains(Methods.Acoustic))
        {
            log($"reference rows, fold {fold}: acoustic features of {english.Count} English training clips");
            acoustic = AcousticTraining.Train(features.Get(english), englishLabels, Predictions.Labels);
            acoustic.Save(Path.Combine(foldDir, "acoustic", "model.json"));
        }
        var foldCells = new List<Cell>();
        foreach (var kind in tests.Kinds)
        {
            var test = tests.Get(kind, fold).Where(u => u.Label != null).ToList();
            if (test.Count == 0)
                continue;
            var truth = test.Select(u => (int)u.Label!.Value).ToArray();
            var genders = test.Select(u => u.Gender.ToString().ToLowerInvariant()).ToList();
            var runDir = Path.GetRelativePath(grid.Plan.OutDir, foldDir);
            if (methods.Contains(Methods.Chance))
            {
                foldCells.Add(
                    Tagged(ReferenceScores.Chance(kind, fold, Seed, truth, Predictions.Labels, genders), runDir)
                );
            }

            if (methods.Contains(Methods.Majority))
            {
                foldCells.Add(
                    Cell.FromPredictions(
                        Methods.Majority,
                        kind,
                        fold,
                        Seed,
                        truth,
                        Enumerable.Repeat(majority, truth.Length).ToArray(),
                        Predictions.Labels,
                        genders,
                        runDir: runDir
                    )
                );
            }

            if (acoustic != null)
            {
                var probabilities = features
                    .Get(test)
                    .Select(f => acoustic.Probabilities(f).Select(p => (float)p).ToArray())
                    .ToArray();
                var scores = ClipScorer.FromWindows(
                    Enumerable.Range(0, test.Count).ToList(),
                    test.Count,
                    probabilities
                ); // one row per clip
                var preds = new Predictions(test, truth, scores.Predicted, scores.Probabilities, null);
                preds.SaveCsv(Path.Combine(CreatedDirectory(foldDir, "acoustic", "eval", kind), "predictions.csv"));
                foldCells.Add(
                    preds.ToCell(Methods.Acoustic, kind, fold, Seed, runDir: Path.Combine(runDir, "acoustic"))
                );
            }
            foreach (var c in foldCells.Where(c => c.Corpus == kind))
            {
                log(
                    $"    {c.Method} on {kind}: accuracy {c.Accuracy:0.000}, macro F1 {c.MacroF1:0.000}, UAR {c.Uar:0.000} (n = {c.Count})"
                );
            }
        }
        Directory.CreateDirectory(foldDir);
        AtomicFile.WriteAllText(cellsPath, JsonSerializer.Serialize(foldCells, Json.Indented));
        return foldCells;
    }

    private static Cell Tagged(Cell c, string runDir)
    {
        c.RunDir = runDir;
        return c;
    }

    private static string CreatedDirectory(params string[] parts)
    {
        var dir = Path.Combine(parts);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Functionals by audio path: computed once (two threads), kept in a CSV a person can open.</summary>
    private sealed class FeatureCache
    {
        private readonly string _path;
        private readonly WaveformStore _store;
        private readonly Dictionary<string, double[]> _byPath = new(StringComparer.Ordinal);

        public FeatureCache(string path, WaveformStore store)
        {
            _path = path;
            _store = store;
            if (!File.Exists(path))
                return;
            using var csv = CsvFiles.Open(path);
            var columns = AcousticFeatures.Names.Select(n => CsvFiles.Column(csv, n)).ToArray();
            var clip = CsvFiles.Column(csv, "path");
            if (clip < 0 || columns.Any(c => c < 0))
                return; // another feature set: computed again
            while (csv.Read())
            {
                _byPath[CsvFiles.Field(csv, clip)] = columns
                    .Select(c => double.Parse(CsvFiles.Field(csv, c), CultureInfo.InvariantCulture))
                    .ToArray();
            }
        }

        public List<double[]> Get(IReadOnlyList<Utterance> clips)
        {
            var missing = clips.Select(u => u.Path).Where(p => !_byPath.ContainsKey(p)).Distinct().ToList();
            if (missing.Count > 0)
            {
                var computed = new ConcurrentDictionary<string, double[]>(StringComparer.Ordinal);
                try
                {
                    Parallel.ForEach(missing, new ParallelOptions { MaxDegreeOfParallelism = 2 }, p =>
                        computed[p] = AcousticFeatures.Extract(_store.Get(p))
                    );
                }
                catch (AggregateException e)
                    when (e.InnerExceptions.FirstOrDefault(x => x is EmolinguaException) is { } bad)
                {
                    // An unreadable clip fails its fold's reference rows with the clip's own message, not the
                    // wrapper's.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(bad);
                }
                foreach (var (p, f) in computed)
                    _byPath[p] = f;
                CsvFiles.Write(
                    _path,
                    [.. AcousticFeatures.Names, "path"],
                    _byPath
                        .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                        .Select(kv =>
                            (IReadOnlyList<string>)
                                [.. kv.Value.Select(v => v.ToString("R", CultureInfo.InvariantCulture)), kv.Key]
                        )
                );
            }
            return clips.Select(u => _byPath[u.Path]).ToList();
        }
    }
}
