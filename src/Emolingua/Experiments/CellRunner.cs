using System.Text.Json;
using Emolingua.Evaluation;
using Emolingua.Inference;
using Emolingua.Training;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// Runs one grid cell: trains its model into the cell's run folder (resuming a checkpoint when there is one), evaluates
/// it on each test corpus (eval/CORPUS/predictions.csv), and writes the cell's results as RUN_DIR/cells.json last
/// (atomically): that file's presence means the cell is done. RUN_DIR/cell.lock guards the cell while it runs;
/// RUN_DIR/attempt.json records how the last attempt ended. Writes nothing outside the run folder.
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
        return File.Exists(path)
            ? JsonSerializer.Deserialize<List<Cell>>(File.ReadAllText(path), Json.Indented) ?? new()
            : null;
    }

    public enum Outcome
    {
        /// <summary>Trained, evaluated, cells.json written.</summary>
        Done,

        /// <summary>cells.json was already there: nothing was run.</summary>
        AlreadyDone,

        /// <summary>A user-facing error, recorded in attempt.json.</summary>
        Failed,

        /// <summary>Another live process holds the cell's lock: nothing was run.</summary>
        Held,

        /// <summary>Stopped on request after a checkpoint; running the cell again resumes it.</summary>
        Interrupted,
    }

    public sealed record CellResult(Outcome Outcome, List<Cell> Cells, string? Message = null);

    /// <summary>How a cell is run besides its grid: who runs it, a stop request, progress and the requeue
    /// cap.</summary>
    /// <param name="Owner">Who runs it (default: this process, with its Slurm job if any).</param>
    /// <param name="Stop">A stop request (scheduler signal): training checkpoints its current step and the cell ends
    /// Interrupted.</param>
    /// <param name="MaxRequeues">Under Slurm: how often the same job may start the cell again (USR1, preemption, node
    /// failure) before the cell fails instead of running; null for no limit.</param>
    public sealed record RunOptions(
        CellOwner? Owner = null,
        SlurmCommands? Slurm = null,
        CancellationToken Stop = default,
        IProgress<TrainingProgress>? Progress = null,
        int? MaxRequeues = null
    );

    /// <summary>
    /// Claims the cell (RUN_DIR/cell.lock), trains and evaluates it, and records the attempt. A finished cell is never
    /// run again, and a cell another live process holds is left alone. A user-facing failure is recorded and returned.
    /// </summary>
    public static CellResult Run(GridContext grid, GridCell cell, RunOptions? options = null)
    {
        var (plan, log, o) = (grid.Plan, grid.Log, options ?? new RunOptions());
        var runDir = plan.RunDir(cell);
        if (ReadResult(plan, cell) is { } earlier)
            return new CellResult(Outcome.AlreadyDone, earlier);
        var owner = o.Owner ?? CellOwner.Current();
        using var claim = CellClaim.TryAcquire(runDir, owner, o.Slurm ?? new SlurmCommands(), out var holder);
        if (claim == null)
        {
            var message =
                $"cell {cell.Index} ({cell.Describe()}) is being run by {holder?.ToString() ?? "another process"} ({CellClaim.PathOf(runDir)}); not running it twice";
            log("    " + message);
            return new CellResult(Outcome.Held, FailedCells(cell, message), message);
        }
        if (ReadResult(plan, cell) is { } finished)
            return new CellResult(Outcome.AlreadyDone, finished); // finished while we claimed
        var recipe = grid.TrainingRecipe(cell);
        var starts = CellAttempt.Start(runDir, owner);
        if (
            owner.Job != null
            && o.MaxRequeues is { } cap
            && starts.Count(a => a.Job == owner.Job) is var n
            && n > cap + 1
        )
        {
            var ofJob = starts.Where(a => a.Job == owner.Job).ToList();
            var message =
                $"cell {cell.Index} ({cell.Describe()}): Slurm job {owner.Job} started it {n} times, more than --max-requeues {cap} allows "
                + $"(attempts: {CellAttempt.Describe(ofJob)}); not run again (resubmit with --slurm --resume)";
            log("    failed: " + message);
            CellAttempt.Record(runDir, CellAttempt.StateFailed, owner, message);
            return new CellResult(Outcome.Failed, FailedCells(cell, message), message);
        }
        try
        {
            // Decoded audio shared by every run.
            TrainRun.Execute(
                recipe,
                new TrainRun.Options(
                    runDir,
                    plan.DataDir,
                    grid.Device,
                    Resume: true,
                    log,
                    Store: grid.Store,
                    Progress: o.Progress,
                    Stop: o.Stop
                )
            );
            using var engine = TorchEmotionEngine.Load(runDir, grid.Device, recipe.Training.EvalBatch);
            var exp = grid.Experiment;
            var runCells = new List<Cell>();
            foreach (var kind in cell.Evaluate)
            {
                o.Stop.ThrowIfCancellationRequested();
                var preds = ZeroShotEvaluation.Run(
                    engine,
                    grid.Tests.Get(kind, cell.Fold),
                    grid.Store,
                    embeddings: exp.Tsne.Enabled && cell.Fold == exp.Tsne.Fold && cell.Seed == exp.Tsne.Seed
                );
                var result = EvaluationResult
                    .Of(preds, cell.Method, kind, cell.Fold, cell.Seed, cell.Variant, cell.RunDir)
                    .Cell;
                EvaluationWriter.SavePredictions(Path.Combine(runDir, "eval", kind), preds);
                runCells.Add(result);
                log(
                    $"    {kind}: accuracy {result.Accuracy:0.000}, macro F1 {result.MacroF1:0.000}, UAR {result.Uar:0.000} (n = {result.Count})"
                );
            }
            RunFewShot(grid, cell, engine);
            CellAttempt.Record(runDir, CellAttempt.StateDone, owner);
            Json.Save(ResultPath(plan, cell), runCells);
            return new CellResult(Outcome.Done, runCells);
        }
        catch (EmolinguaException e)
        {
            log($"    failed: {e.Message}");
            CellAttempt.Record(runDir, CellAttempt.StateFailed, owner, e.Message);
            return new CellResult(Outcome.Failed, FailedCells(cell, e.Message), e.Message);
        }
        catch (OperationCanceledException) when (o.Stop.IsCancellationRequested)
        {
            var message = $"cell {cell.Index} stopped on request; running it again resumes from its checkpoint";
            log("    " + message);
            CellAttempt.Record(runDir, CellAttempt.StateInterrupted, owner, message);
            return new CellResult(Outcome.Interrupted, FailedCells(cell, message), message);
        }
        catch (Exception e)
        {
            // Anything else still ends the process (as before); the record says why.
            CellAttempt.Record(runDir, CellAttempt.StateFailed, owner, e.Message.ReplaceLineEndings(" "));
            throw;
        }
    }

    /// <summary>The test corpora of the cell that get few-shot curves (none without a few_shot section).</summary>
    public static List<string> FewShotCorpora(GridContext grid, GridCell cell) =>
        grid.Experiment.FewShot is { } fewShot
            ? cell.Evaluate.Where(k => fewShot.Covers(grid.Tests.CorpusOf(k))).ToList()
            : [];

    /// <summary>
    /// For a cell finished before its recipe gained a few_shot section (or before a corpus was added to it): runs the
    /// few-shot adaptations it lacks. Nothing happens when they are all there or the cell failed.
    /// </summary>
    public static void CompleteFewShot(GridContext grid, GridCell cell)
    {
        var runDir = grid.RunDir(cell);
        if (
            FewShotCorpora(grid, cell).All(k => FewShotExperiment.Read(runDir, k) != null)
            || ReadResult(grid.Plan, cell)?.All(c => c.IsOk) != true
        )
        {
            return;
        }

        using var engine = TorchEmotionEngine.Load(runDir, grid.Device, grid.TrainingRecipe(cell).Training.EvalBatch);
        RunFewShot(grid, cell, engine);
    }

    /// <summary>The cell's few-shot cells on each corpus (cached per corpus); a failure is logged and leaves the
    /// zero-shot results standing.</summary>
    private static void RunFewShot(GridContext grid, GridCell cell, TorchEmotionEngine engine)
    {
        foreach (var kind in FewShotCorpora(grid, cell))
        {
            try
            {
                FewShotExperiment.Run(grid, cell, engine, kind);
            }
            catch (EmolinguaException e)
            {
                grid.Log($"    few-shot {kind} failed: {e.Message}");
            }
        }
    }

    /// <summary>The few-shot cells of every finished model of the plan.</summary>
    public static List<FewShotCell> CollectFewShot(GridContext grid) =>
        grid
            .Plan.Cells.SelectMany(c =>
                FewShotCorpora(grid, c).SelectMany(k => FewShotExperiment.Read(grid.RunDir(c), k) ?? [])
            )
            .ToList();

    /// <summary>What the report shows for a cell: its results, else its recorded failure, else "did not
    /// finish".</summary>
    public static List<Cell> Collect(ExperimentPlan plan, GridCell cell) =>
        ReadResult(plan, cell)
        ?? FailedCells(
            cell,
            CellAttempt.Read(plan.RunDir(cell)) is { State: CellAttempt.StateFailed, Error: { } error }
                ? error
                : "did not finish"
        );

    private static List<Cell> FailedCells(GridCell cell, string error) =>
        cell
            .Evaluate.Select(k => Cell.Failed(cell.Method, k, cell.Fold, cell.Seed, error, cell.Variant, cell.RunDir))
            .ToList();
}
