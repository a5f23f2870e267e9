using Emolingua.Audio;
using Emolingua.Evaluation;
using Emolingua.Features;
using Emolingua.Training;
using Emolingua.Util;
using TorchSharp;

namespace Emolingua.Experiments;

/// <summary>
/// Runs an experiment grid in this process into OUT: cells.json (the plan), runs/COLUMN[-TAG]/foldK-seedS/ (each a
/// full training RUN_DIR with model/, plus eval/CORPUS/predictions.csv and cells.json once evaluated), results.json,
/// report.md and plots/. A finished cell (cells.json present) is skipped on resume; an interrupted training run
/// resumes from its last checkpoint. The same plan, cell and report steps run as separate processes under Slurm.
/// </summary>
public static class ExperimentRunner
{
    /// <param name="Progress">Told every training step (the CLI draws a progress bar from it).</param>
    public sealed record Options(
        string OutDir,
        string? DataDir,
        torch.Device Device,
        bool Resume,
        Action<string>? Log = null,
        IProgress<TrainingProgress>? Progress = null
    );

    public static ExperimentReport Run(ExperimentRecipe exp, Options o)
    {
        var log = o.Log ?? (m => Console.Error.WriteLine(m));
        var outDir = Path.GetFullPath(o.OutDir);
        Directory.CreateDirectory(outDir);
        if (File.Exists(Path.Combine(outDir, "results.json")) && !o.Resume)
        {
            throw new EmolinguaException(
                outDir,
                "already holds experiment results; pass --resume to continue or choose another --out"
            );
        }

        var tests = new ExperimentTestSets(exp, o.DataDir); // a missing test corpus fails before cells.json is written
        var plan = ExperimentPlan.Create(exp, outDir, o.DataDir, o.Device.type == DeviceType.CUDA ? "cuda" : "cpu");
        plan.Save();
        var grid = new GridContext(plan, exp, tests, new WaveformStore(WhisperAudio.SampleRate), o.Device, log);
        var cellOptions = new CellRunner.RunOptions(Slurm: new SlurmCommands(), Progress: o.Progress);
        foreach (var cell in plan.Cells)
        {
            var step = $"[{cell.Index + 1}/{plan.Cells.Count}]";
            if (CellRunner.IsDone(plan, cell))
            {
                log($"{step} {cell.Column} fold {cell.Fold} seed {cell.Seed}: done earlier");
                CellRunner.CompleteFewShot(grid, cell);
                continue;
            }
            log($"{step} {cell.Describe()}: training");
            CellRunner.Run(grid, cell, cellOptions);
        }
        return ExperimentReporter.Write(grid);
    }
}
