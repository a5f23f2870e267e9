using System.Globalization;
using System.Text.Json;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Evaluation;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Training;
using Emolingua.Training.Data;
using Emolingua.Training.FewShot;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// The few-shot cells of one trained model (a grid run) on one corpus and fold: for each k and draw, the shots are
/// drawn from the corpus's training folds (<see cref="FewShotDraws"/>), the model adapted (head or full) and the
/// adapted model evaluated on the test fold through <see cref="Predictions.ToCell"/>. Everything lives under
/// RUN_DIR/few-shot/CORPUS/: cells.json (done: skipped on resume), and in head mode the cached window embeddings of
/// the clips some draw uses and of the test fold (embeddings.npy [windows, D] with windows.csv: utterance id and window
/// start), in full mode one adapted run folder per k and draw.
/// </summary>
public static class FewShotExperiment
{
    private static string Folder(string runDir, string kind) => Path.Combine(runDir, "few-shot", kind);

    /// <summary>The finished few-shot cells of a run on a corpus, or null when they are not there.</summary>
    public static List<FewShotCell>? Read(string runDir, string kind)
    {
        var path = Path.Combine(Folder(runDir, kind), "cells.json");
        return File.Exists(path)
            ? JsonSerializer.Deserialize<List<FewShotCell>>(File.ReadAllText(path), Json.Indented) ?? []
            : null;
    }

    /// <summary>The few-shot cells of a grid cell's trained model (<paramref name="engine"/>) on test corpus
    /// <paramref name="kind"/>.</summary>
    public static List<FewShotCell> Run(GridContext grid, GridCell cell, TorchEmotionEngine engine, string kind)
    {
        var (section, corpus, store, log) = (grid.Experiment.FewShot!, grid.Tests.CorpusOf(kind), grid.Store, grid.Log);
        var runDir = grid.RunDir(cell);
        if (Read(runDir, corpus.Kind) is { } done)
            return done;
        var dir = Folder(runDir, corpus.Kind);
        var cellsPath = Path.Combine(dir, "cells.json");
        Directory.CreateDirectory(dir);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var pool = FewShotDraws.Pool(corpus, cell.Fold, grid.Experiment.FoldCount, grid.Experiment.FoldSeed);
        var test = grid.Tests.Get(kind, cell.Fold).Where(u => u.Label != null).ToList();
        var testIds = test.Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        if (pool.Any(u => testIds.Contains(u.Id)))
            // guards the split's contract
            throw new EmolinguaException(corpus.Root, $"fold {cell.Fold}: a test utterance is in the few-shot pool");
        foreach (var k in section.K)
        {
            foreach (var c in FewShotDraws.ShortClasses(pool, k))
            {
                log(
                    $"    few-shot {corpus.Kind} k = {k}: fewer than {k} '{c}' clips in the training folds; draws take all of them"
                );
            }
        }

        var cells = new List<FewShotCell>();
        if (section.Mode == AdaptationMode.Head)
        {
            var draws = section
                .K.SelectMany(k =>
                    Enumerable
                        .Range(0, section.Draws)
                        .Select(draw =>
                            (
                                K: k,
                                Draw: draw,
                                Shots: FewShotDraws.Draw(pool, k, section.Seed, corpus.Kind, cell.Fold, draw)
                            )
                        )
                )
                .ToList();
            // Only the clips some draw uses, and the test fold, are embedded.
            var needed = draws
                .SelectMany(d => d.Shots)
                .Concat(test)
                .DistinctBy(u => u.Id)
                .OrderBy(u => u.Id, StringComparer.Ordinal)
                .ToList();
            var windows = CachedEmbeddings(dir, needed, engine, store, log, corpus.Kind);
            var testRows = test.Select(u => windows.Rows[u.Id]).ToList();
            var testEmbeddings = testRows.SelectMany(r => r).Select(i => windows.Embeddings[i]).ToList();
            var testClip = testRows.SelectMany((r, clip) => r.Select(_ => clip)).ToArray();
            var sets = draws
                .Select(d =>
                {
                    var rows = d
                        .Shots.SelectMany((u, clip) => windows.Rows[u.Id].Select(i => (Row: i, Clip: clip)))
                        .ToList();
                    return new ShotEmbeddings(
                        rows.Select(r => windows.Embeddings[r.Row]).ToList(),
                        rows.Select(r => (int)d.Shots[r.Clip].Label!.Value).ToList(),
                        rows.Select(r => r.Clip).ToList()
                    );
                })
                .ToList();
            var heads = HeadAdaptation.Adapt(engine.Model.head, sets, section.Head, cell.Seed);
            for (var i = 0; i < draws.Count; i++)
            {
                using var head = heads[i];
                var scores = ClipScorer.FromWindows(
                    testClip,
                    test.Count,
                    HeadAdaptation.Probabilities(head, testEmbeddings)
                );
                cells.Add(
                    Evaluate(cell, corpus, test, scores, draws[i].K, draws[i].Draw, section.Mode, draws[i].Shots.Count)
                );
            }
        }
        else
        {
            var modelDir = Path.Combine(runDir, "model");
            var recipe = grid.TrainingRecipe(cell);
            foreach (var k in section.K)
            {
                for (var draw = 0; draw < section.Draws; draw++)
                {
                    var shots = FewShotDraws.Draw(pool, k, section.Seed, corpus.Kind, cell.Fold, draw);
                    var work = Path.Combine(dir, $"k{k}-draw{draw}");
                    log($"    few-shot {corpus.Kind}: full adaptation, k = {k}, draw {draw}");
                    if (!File.Exists(Path.Combine(work, "model", "config.json")))
                    {
                        FullAdaptation.Run(
                            modelDir,
                            recipe,
                            shots,
                            section.Steps,
                            cell.Seed,
                            work,
                            grid.Device,
                            store,
                            log
                        );
                    }

                    using var adapted = TorchEmotionEngine.Load(work, grid.Device, recipe.Training.EvalBatch);
                    var preds = ZeroShotEvaluation.Run(adapted, test, store);
                    cells.Add(
                        FewShotCell.From(
                            preds.ToCell(cell.Method, corpus.Kind, cell.Fold, cell.Seed, cell.Variant, cell.RunDir),
                            k,
                            draw,
                            section.Mode,
                            shots.Count
                        )
                    );
                }
            }
        }
        log(
            $"    few-shot {corpus.Kind} ({section.Mode.Name()}, {watch.Elapsed.TotalSeconds:0.0} s): UAR "
                + string.Join(", ", cells.GroupBy(c => c.K).Select(g => $"k = {g.Key} {g.Average(c => c.Uar):0.000}"))
                + $" (mean of {section.Draws} draws)"
        );
        AtomicFile.WriteAllText(cellsPath, JsonSerializer.Serialize(cells, Json.Indented));
        return cells;
    }

    private static FewShotCell Evaluate(
        GridCell cell,
        ICorpus corpus,
        List<Utterance> test,
        ClipScores scores,
        int k,
        int draw,
        AdaptationMode mode,
        int shots
    )
    {
        var truth = test.Select(u => (int)u.Label!.Value).ToArray();
        var scored = new Predictions(test, truth, scores.Predicted, scores.Probabilities, null).ToCell(
            cell.Method,
            corpus.Kind,
            cell.Fold,
            cell.Seed,
            cell.Variant,
            cell.RunDir
        );
        return FewShotCell.From(scored, k, draw, mode, shots);
    }

    private sealed record Embedded(float[][] Embeddings, Dictionary<string, List<int>> Rows);

    /// <summary>Window embeddings of the clips, read from the cache when it covers them, else computed and
    /// cached.</summary>
    private static Embedded CachedEmbeddings(
        string dir,
        IReadOnlyList<Utterance> clips,
        TorchEmotionEngine engine,
        WaveformStore store,
        Action<string> log,
        string kind
    )
    {
        var npy = Path.Combine(dir, "embeddings.npy");
        var index = Path.Combine(dir, "windows.csv");
        if (File.Exists(npy) && File.Exists(index))
        {
            var a = Npy.Read(npy);
            var d = (int)a.Shape[1];
            var ids = new List<string>();
            using (var csv = CsvFiles.Open(index))
            {
                var id = CsvFiles.Column(csv, "utterance_id");
                while (csv.Read())
                    ids.Add(CsvFiles.Field(csv, id));
            }
            var cached = ids.ToHashSet(StringComparer.Ordinal);
            if (ids.Count == a.Shape[0] && clips.All(u => cached.Contains(u.Id)))
            {
                return new Embedded(
                    Enumerable.Range(0, ids.Count).Select(i => a.Data.AsSpan(i * d, d).ToArray()).ToArray(),
                    RowsOf(ids)
                );
            }
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var scored = ClipScorer.Score(engine, clips.Select(u => store.Get(u.Path)).ToList(), embeddings: true);
        var (plan, embeddings) = (scored.Windows!, scored.WindowEmbeddings!);
        log(
            $"    few-shot {kind}: embedded {clips.Count} clips ({plan.Count} windows) in {watch.Elapsed.TotalSeconds:0.0} s, cached in {Path.GetRelativePath(Path.GetDirectoryName(Path.GetDirectoryName(dir)!)!, dir)}"
        );
        Npy.WriteFloat32(npy, embeddings.SelectMany(e => e).ToArray(), embeddings.Length, embeddings[0].Length);
        CsvFiles.Write(
            index,
            ["utterance_id", "window_start"],
            plan.Select(w => (IReadOnlyList<string>)[clips[w.Clip].Id, w.Start.ToString(CultureInfo.InvariantCulture)])
        );
        return new Embedded(embeddings, RowsOf(plan.Select(w => clips[w.Clip].Id).ToList()));
    }

    private static Dictionary<string, List<int>> RowsOf(IReadOnlyList<string> ids)
    {
        var rows = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!rows.TryGetValue(ids[i], out var list))
                rows[ids[i]] = list = [];
            list.Add(i);
        }
        return rows;
    }
}
