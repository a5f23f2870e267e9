using System.Text.Json;
using Emolingua.Audio;
using Emolingua.Evaluation;
using Emolingua.Inference;
using Emolingua.Training;
using Emolingua.Util;
using TorchSharp;

namespace Emolingua.Experiments;

/// <summary>
/// Runs one grid cell: trains its model into the cell's run folder (resuming a checkpoint when there is one), evaluates
/// it on each test corpus (eval/CORPUS/predictions.csv), and writes the cell's results as RUN_DIR/cells.json last
/// (atomically): that file's presence means the cell is done. A failure is recorded in RUN_DIR/attempt.json instead.
/// Writes nothing outside the run folder.
/// </summary>
public static class CellRunner
{
    public const string ResultFile = "cells.json";

    public static string ResultPath(ExperimentPlan plan, GridCell cell) => Path.Combine(plan.RunDir(cell), ResultFile);

    public static bool IsDone(ExperimentPlan plan, GridCell cell) => File.Exists(ResultPath(plan, cell));

    /// <summary>The finished cell's results, or null when it has not finished.</summary>
    public static List<Cell>? ReadResult(ExperimentPlan plan, GridCell cell)
    {
        var path = ResultPath(plan, cell);
        return File.Exists(path) ? JsonSerializer.Deserialize<List<Cell>>(File.ReadAllText(path), Json.Indented) ?? new() : null;
    }

    /// <summary>Trains and evaluates the cell; on a user-facing failure records it and returns failed results.</summary>
    public static List<Cell> Run(ExperimentPlan plan, ExperimentRecipe exp, GridCell cell, ExperimentTestSets tests, WaveformStore store,
        torch.Device device, Action<string> log, IProgress<TrainingProgress>? progress = null)
    {
        var runDir = plan.RunDir(cell);
        var recipe = exp.TrainingRecipe(exp.Runs[cell.Entry], cell.Fold, cell.Seed);
        try
        {
            CellAttempt.Clear(runDir);
            TrainRun.Execute(recipe, new TrainRun.Options(runDir, plan.DataDir, device, Resume: true, log, Store: store, Progress: progress)); // decoded audio shared by every run
            using var engine = TorchEmotionEngine.Load(runDir, device, recipe.Training.EvalBatch);
            var runCells = new List<Cell>();
            foreach (var kind in cell.Evaluate)
            {
                var preds = ZeroShotEvaluation.Run(engine, tests.Get(kind, cell.Fold), store,
                    embeddings: exp.Tsne.Enabled && cell.Fold == exp.Tsne.Fold && cell.Seed == exp.Tsne.Seed);
                var result = EvaluationResult.Of(preds, cell.Method, kind, cell.Fold, cell.Seed, cell.Variant, cell.RunDir).Cell;
                EvaluationWriter.SavePredictions(Path.Combine(runDir, "eval", kind), preds);
                runCells.Add(result);
                log($"    {kind}: accuracy {result.Accuracy:0.000}, macro F1 {result.MacroF1:0.000}, UAR {result.Uar:0.000} (n = {result.Count})");
            }
            Json.Save(ResultPath(plan, cell), runCells);
            return runCells;
        }
        catch (EmolinguaException e)
        {
            log($"    failed: {e.Message}");
            CellAttempt.RecordFailure(runDir, e.Message);
            return FailedCells(cell, e.Message);
        }
    }

    /// <summary>What the report shows for a cell: its results, else its recorded failure, else "did not finish".</summary>
    public static List<Cell> Collect(ExperimentPlan plan, GridCell cell) =>
        ReadResult(plan, cell) ?? FailedCells(cell, CellAttempt.Read(plan.RunDir(cell))?.Error ?? "did not finish");

    private static List<Cell> FailedCells(GridCell cell, string error) =>
        cell.Evaluate.Select(k => Cell.Failed(cell.Method, k, cell.Fold, cell.Seed, error, cell.Variant, cell.RunDir)).ToList();
}
