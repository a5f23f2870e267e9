using System.Runtime.InteropServices;
using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Training;
using Emolingua.Util;
using TorchSharp;

namespace Emolingua.Experiments;

/// <summary>
/// <c>experiment run-cell OUT --cell N</c>: one cell in a process of its own, as a Slurm array task runs it (or by
/// hand, or from any other scheduler). SIGUSR1 (sbatch --signal, sent before the time limit), SIGTERM (preemption,
/// scancel, scontrol requeue) and SIGINT make training finish its step, checkpoint it and stop; after SIGUSR1 the task
/// asks Slurm to requeue itself, and the requeued task resumes from that checkpoint.
/// </summary>
public static class CellTask
{
    public const int SigUsr1 = 10; // Linux

    /// <returns>The exit code: 0 done (or nothing to do), 1 failed, 128 + the signal's number when stopped by
    /// one.</returns>
    /// <param name="maxRequeues">How often Slurm may start this cell again under the same job (see
    /// <see cref="CellRunner.RunOptions.MaxRequeues"/>).</param>
    public static int Run(string outDir, int index, Action<string> log, int? maxRequeues = null)
    {
        var plan = ExperimentPlan.Load(outDir);
        var cell = plan.Cell(index);
        var exp = plan.LoadRecipe();
        var slurm = new SlurmCommands();
        var owner = CellOwner.Current();
        if (owner.Job != null)
            owner.Log = SlurmGrid.CellLogRelative(cell.Index);
        log(
            $"== cell {cell.Index}: {cell.Describe()} ({cell.RunDir}) on {owner.Host}{(owner.Job != null ? $", Slurm job {owner.Job}" : "")}"
                + $"{(owner.Restart is > 0 ? $", restart {owner.Restart}" : "")}, {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"
        );

        var device = plan.Device switch
        {
            "cpu" => torch.CPU,
            "cuda" when torch.cuda.is_available() => torch.CUDA,
            "cuda" => throw new EmolinguaException(
                $"cell {cell.Index}: the plan asks for --device cuda but CUDA is not available on {owner.Host} (a CUDA build and a GPU node are needed)"
            ),
            _ => throw new EmolinguaException(plan.PathIn, $"device '{plan.Device}' (cpu or cuda)"),
        };
        // Threads: the recipe's, else the CPUs Slurm gave the task. libtorch's thread count is changed only when it
        // differs: calling set_num_threads at all (even with the default's value) changes some results in the last
        // digits (measured: the demo's BYOL losses from step 5), and a task should give what a local run gives.
        var recipe = plan.TrainingRecipe(cell);
        if (
            recipe.Training.Threads == null
            && int.TryParse(Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), out var cpus)
            && cpus > 0
            && cpus != torch.get_num_threads()
        )
        {
            torch.set_num_threads(cpus);
        }

        using var stop = new CancellationTokenSource();
        var signal = 0; // the first signal's number
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // keep running until the checkpoint is written
            var (number, name) = context.Signal switch
            {
                PosixSignal.SIGTERM => (15, "SIGTERM"),
                PosixSignal.SIGINT => (2, "SIGINT"),
                _ => (SigUsr1, "USR1"),
            };
            if (Interlocked.CompareExchange(ref signal, number, 0) == 0)
                log($"cell {cell.Index}: received signal {name}; checkpointing and stopping");
            stop.Cancel();
        }
        using var usr1 = PosixSignalRegistration.Create((PosixSignal)SigUsr1, OnSignal);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        var grid = new GridContext(
            plan,
            exp,
            new ExperimentTestSets(exp, plan.DataDir),
            new WaveformStore(WhisperAudio.SampleRate, CacheFolder(recipe, plan.DataDir)),
            device,
            log
        );
        var result = CellRunner.Run(
            grid,
            cell,
            new CellRunner.RunOptions(owner, slurm, stop.Token, MaxRequeues: maxRequeues)
        );
        switch (result.Outcome)
        {
            case CellRunner.Outcome.Done:
                log($"cell {cell.Index}: done");
                return 0;
            case CellRunner.Outcome.AlreadyDone:
                log($"cell {cell.Index}: already done ({CellRunner.ResultPath(plan, cell)}); not run again");
                return 0;
            case CellRunner.Outcome.Held:
                return 0;
            case CellRunner.Outcome.Interrupted:
                if (signal == SigUsr1 && owner.Job != null)
                {
                    // The time limit is near: put this task back in the queue; it resumes from the checkpoint.
                    slurm.Requeue(owner.Job);
                    log($"cell {cell.Index}: requeued Slurm job {owner.Job}");
                }
                return 128 + signal;
            default:
                return 1;
        }
    }

    /// <summary>The recipe's decoded-audio cache folder (data.cache), shared by every task; null when unset.</summary>
    private static string? CacheFolder(Recipe recipe, string? dataDir) =>
        recipe.Data.Cache is { } cache ? TrainingData.ResolveRoot(cache, dataDir) : null;
}
