using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Inference;
using Emolingua.Util;
using TorchSharp;

namespace Emolingua.Experiments;

// predict run-shard: one shard task of the array, its progress file (submission: SlurmPrediction.cs).
public static partial class SlurmPrediction
{
    /// <summary>OUT.d/shards/K/progress.json: files of the shard finished (now and in earlier attempts), failed,
    /// total.</summary>
    public sealed record Progress(int Done, int Failed, int Files);

    public static Progress? ReadProgress(string workDir, int shard)
    {
        var path = Path.Combine(ShardDir(workDir, shard), ProgressFile);
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize<Progress>(File.ReadAllText(path), Json.Indented)
                : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>predict run-shard OUT.d --shard K</c>: predicts shard K into OUT.d/shard-K.csv, continuing what an earlier
    /// attempt wrote. Runs under the shard's claim; past --max-requeues starts of the same job it fails instead.
    /// </summary>
    /// <returns>0 done (files that failed are rows with an error), 1 failed.</returns>
    public static int RunShard(string workDir, int shard, Action<string> log)
    {
        workDir = Path.GetFullPath(workDir);
        var s = ReadSettings(workDir);
        if (shard < 0 || shard >= s.Shards)
            throw new EmolinguaException($"--shard {shard}: {workDir} has shards 0 to {s.Shards - 1}");
        var (start, end) = s.Range(shard);
        var dir = ShardDir(workDir, shard);
        var owner = CellOwner.Current(ShardLog(shard));
        log(
            $"== shard {shard}: files {start + 1} to {end} of {s.Files} on {owner.Host}{(owner.Job != null ? $", Slurm job {owner.Job}" : "")}"
                + $"{(owner.Restart is > 0 ? $", restart {owner.Restart}" : "")}, {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"
        );
        if (IsDone(workDir, shard))
        {
            log($"shard {shard}: already done");
            return 0;
        }
        var slurm = new SlurmCommands();
        using var claim = CellClaim.TryAcquire(dir, owner, slurm, out var holder);
        if (claim == null)
        {
            log($"shard {shard} is being run by {holder?.ToString() ?? "another process"}; not running it twice");
            return 0;
        }
        var starts = CellAttempt.Start(dir, owner);
        if (
            owner.Job != null
            && starts.Where(a => a.Job == owner.Job).ToList() is var ofJob
            && ofJob.Count > s.MaxRequeues + 1
        )
        {
            var message =
                $"shard {shard}: Slurm job {owner.Job} started it {ofJob.Count} times, more than --max-requeues {s.MaxRequeues} allows "
                + $"(attempts: {CellAttempt.Describe(ofJob)}); not run again (resubmit with --slurm --resume)";
            log("failed: " + message);
            CellAttempt.Record(dir, CellAttempt.StateFailed, owner, message);
            return 1;
        }
        try
        {
            var files = File.ReadLines(Path.Combine(workDir, InputsFile)).Skip(start).Take(end - start).ToList();
            if (files.Count != end - start)
            {
                throw new EmolinguaException(
                    Path.Combine(workDir, InputsFile),
                    $"has fewer than the {s.Files} files {SettingsFile} expects"
                );
            }

            var engine = s.Engine switch
            {
                "torch" => EngineKind.Torch,
                "onnx" => EngineKind.Onnx,
                _ => EngineKind.Auto,
            };
            var device = s.Device == "cuda" ? torch.CUDA : torch.CPU;
            // As a cell task does: libtorch's threads follow the CPUs Slurm gave the task (only when they differ).
            if (
                int.TryParse(Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), out var cpus)
                && cpus > 0
                && cpus != torch.get_num_threads()
            )
            {
                torch.set_num_threads(cpus);
            }

            using var recognizer = new EmotionRecognizer(TorchFolderEngines.Open(s.Model, engine, device));
            var csv = Path.Combine(workDir, ShardCsv(shard));
            var lastWrite = DateTime.MinValue;
            var skipped = -1;
            var summary = BatchPrediction.Run(
                recognizer,
                files,
                new BatchOptions
                {
                    OutPath = csv,
                    Resume = true,
                    Segments = s.Segments,
                    Jobs = s.Jobs,
                    MinConfidence = s.MinConfidence,
                },
                p =>
                {
                    if (skipped < 0)
                    {
                        skipped = files.Count - p.Pending;
                        if (skipped > 0)
                            log($"shard {shard}: resuming: {skipped} files already in {csv}");
                    }
                    if (p.Done < p.Pending && DateTime.UtcNow - lastWrite < TimeSpan.FromSeconds(2))
                        return;
                    lastWrite = DateTime.UtcNow;
                    Json.Save(Path.Combine(dir, ProgressFile), new Progress(skipped + p.Done, p.Failed, files.Count));
                    log(
                        FormattableString.Invariant(
                            $"shard {shard}: {skipped + p.Done}/{files.Count} files, {p.FilesPerSecond:0.0} files/s"
                        ) + (p.Failed > 0 ? $", {p.Failed} failed" : "")
                    );
                }
            );
            Json.Save(Path.Combine(dir, ProgressFile), new Progress(files.Count, summary.Failed, files.Count));
            CellAttempt.Record(dir, CellAttempt.StateDone, owner);
            log(
                $"shard {shard}: done: {summary.Predicted} predicted, {summary.Skipped} already in {csv}, {summary.Failed} failed"
            );
            return 0;
        }
        catch (EmolinguaException e)
        {
            log($"failed: {e.Message}");
            CellAttempt.Record(dir, CellAttempt.StateFailed, owner, e.Message);
            return 1;
        }
    }
}
