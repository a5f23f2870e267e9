using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Inference;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// <c>predict --model M INPUT... --out OUT.csv --slurm</c>: the inputs are expanded once into OUT.d/inputs.txt (input
/// order), split into N contiguous shards run as one Slurm job array (task K writes OUT.d/shard-K.csv with the resume
/// rules of <c>predict --out --resume</c>, so a requeued shard continues its own CSV), then a merge job (afterany)
/// writes OUT.csv in input order. Each shard keeps OUT.d/shards/K/ (cell.lock, attempt.json with every start and
/// host, progress.json), so <c>predict status OUT.d</c> works from the folder alone, as <c>experiment status</c> does.
/// </summary>
public static partial class SlurmPrediction
{
    public const string Suffix = ".d";
    public const string InputsFile = "inputs.txt";
    public const string SettingsFile = "shards.json";
    public const string ShardsScript = "slurm/shards.sbatch";
    public const string MergeScript = "slurm/merge.sbatch";
    public const string MergeLog = "logs/merge.log";
    public const string ProgressFile = "progress.json";

    /// <summary>Files per shard when --shards is not given.</summary>
    public const int DefaultFilesPerShard = 10_000;

    /// <summary>The exit status of <c>predict --out</c> when some file failed (its row has an error).</summary>
    public const int SomeFilesFailed = 3;

    public static string ShardCsv(int shard) => $"shard-{shard}.csv";

    public static string ShardLog(int shard) => $"logs/shard-{shard}.log";

    public static string ShardDir(string workDir, int shard) =>
        Path.Combine(workDir, "shards", shard.ToString(CultureInfo.InvariantCulture));

    /// <summary>OUT.d/shards.json: what every shard task and the merge job need besides inputs.txt.</summary>
    public sealed class Settings
    {
        public string Model { get; set; } = "";
        public string Engine { get; set; } = "auto";
        public string Device { get; set; } = "cpu";
        public bool Segments { get; set; }
        public double MinConfidence { get; set; }
        public int Jobs { get; set; } = 2;

        /// <summary>The folder relative input paths are read from (the submitter's working folder): the CSV keeps each
        /// path as given.</summary>
        public string Cwd { get; set; } = "";
        public string Out { get; set; } = "";
        public int Files { get; set; }
        public int Shards { get; set; }
        public int MaxRequeues { get; set; } = SlurmGrid.DefaultMaxRequeues;

        /// <summary>Shard K's files: [Start, End) of inputs.txt, contiguous and as equal as can be.</summary>
        public (int Start, int End) Range(int shard) =>
            ((int)((long)shard * Files / Shards), (int)((long)(shard + 1) * Files / Shards));
    }

    public sealed record Options(
        string Model,
        string Engine,
        string Device,
        bool Segments,
        double MinConfidence,
        int Jobs,
        int? Shards,
        bool Resume
    );

    public sealed class Submission : ISlurmSubmission
    {
        public string? ArrayJob { get; set; }
        public string MergeJob { get; set; } = "";
        public List<int> Shards { get; set; } = new();
        public DateTime Submitted { get; set; }

        IReadOnlyList<int> ISlurmSubmission.Tasks => Shards;
    }

    public static string WorkDirOf(string outCsv) => Path.GetFullPath(outCsv) + Suffix;

    public static Settings ReadSettings(string workDir)
    {
        var path = Path.Combine(workDir, SettingsFile);
        if (!File.Exists(path))
        {
            throw new EmolinguaException(
                workDir,
                $"is not a sharded prediction folder (no {SettingsFile}; made by predict --out OUT.csv --slurm)"
            );
        }

        try
        {
            return JsonSerializer.Deserialize<Settings>(File.ReadAllText(path), Json.Indented)
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, $"not valid JSON: {e.Message}");
        }
    }

    /// <summary>Expands the inputs, writes OUT.d and submits the shard array and the merge job.</summary>
    /// <returns>The exit status of a --wait run (0, or 3 when some file failed), else 0.</returns>
    public static int Submit(
        IReadOnlyList<string> inputs,
        string outCsv,
        Options p,
        SlurmGrid.Options o,
        IReadOnlyList<string> launcher,
        Action<string> print,
        Action<string> log,
        SlurmCommands? slurm = null
    )
    {
        slurm ??= new SlurmCommands();
        var outPath = Path.GetFullPath(outCsv);
        var workDir = WorkDirOf(outCsv);
        if (Directory.Exists(outPath))
            throw new EmolinguaException(outCsv, "is a folder; --out takes a CSV file name");
        if (!p.Resume && File.Exists(outPath))
        {
            throw new EmolinguaException(
                outCsv,
                "already exists; pass --resume to submit what is unfinished, or choose another --out"
            );
        }

        if (!p.Resume && Directory.Exists(workDir))
        {
            throw new EmolinguaException(
                workDir,
                "already exists (an earlier --slurm run); pass --resume to submit its unfinished shards, or choose another --out"
            );
        }

        if (SlurmCommands.Find("sbatch") == null)
        {
            throw new EmolinguaException(
                "--slurm: sbatch not found on PATH (run on a machine with the Slurm client tools, e.g. a login node; without Slurm, leave out --slurm)"
            );
        }

        Settings settings;
        List<string>? files = null;
        if (p.Resume && File.Exists(Path.Combine(workDir, SettingsFile)))
        {
            settings = ReadSettings(workDir); // the inputs as first expanded (inputs.txt) and the same shards
        }
        else
        {
            files = PredictionInputs.Expand(inputs).ToList();
            if (files.Count == 0)
                throw new EmolinguaException($"predict: no audio files in {string.Join(", ", inputs)}");
            if (files.FirstOrDefault(f => f.Contains('\n') || f.Contains('\r')) is { } odd)
            {
                throw new EmolinguaException(
                    odd,
                    "a path with a line break cannot go into inputs.txt; rename the file"
                );
            }

            var shards = Math.Min(
                p.Shards ?? (files.Count + DefaultFilesPerShard - 1) / DefaultFilesPerShard,
                files.Count
            );
            settings = new Settings
            {
                Model = Path.GetFullPath(p.Model),
                Engine = p.Engine,
                Device = p.Device,
                Segments = p.Segments,
                MinConfidence = p.MinConfidence,
                Jobs = p.Jobs,
                Cwd = Environment.CurrentDirectory,
                Out = outPath,
                Files = files.Count,
                Shards = Math.Max(1, shards),
                MaxRequeues = o.MaxRequeues,
            };
        }
        slurm.RequireController();

        var jobs = SlurmJobs<Submission>.Read(workDir);
        var todo = jobs.ToSubmit(
            Enumerable.Range(0, settings.Shards),
            k => IsDone(workDir, k),
            k => ShardDir(workDir, k),
            slurm
        );
        var cpus = o.CpusPerTask ?? settings.Jobs;
        var shardsScript = ShardsScriptText(settings, workDir, o, cpus, launcher);
        var mergeScript = MergeScriptText(workDir, o, launcher);
        var arrayOption = $"--array={SlurmGrid.ArraySpec(todo)}{(o.MaxParallel is { } m ? $"%{m}" : "")}";
        if (todo.Count > 0)
            slurm.TestSubmission([arrayOption], shardsScript);
        else
            slurm.TestSubmission([], mergeScript);

        Directory.CreateDirectory(Path.Combine(workDir, "slurm"));
        Directory.CreateDirectory(Path.Combine(workDir, "logs"));
        if (files != null)
        {
            AtomicFile.WriteAllText(Path.Combine(workDir, InputsFile), string.Concat(files.Select(f => f + "\n")));
            AtomicFile.WriteAllText(
                Path.Combine(workDir, SettingsFile),
                JsonSerializer.Serialize(settings, Json.Indented) + "\n"
            );
        }
        AtomicFile.WriteAllText(Path.Combine(workDir, ShardsScript), shardsScript);
        AtomicFile.WriteAllText(Path.Combine(workDir, MergeScript), mergeScript);

        var submittedAt = DateTime.UtcNow;
        string? arrayJob = null;
        if (todo.Count > 0)
        {
            arrayJob = slurm.Submit([arrayOption], Path.Combine(workDir, ShardsScript));
            print(
                $"submitted job array {arrayJob}: {todo.Count} of {settings.Shards} shards of {settings.Files} files (tasks {SlurmGrid.ArraySpec(todo)}), {cpus} CPU{(cpus == 1 ? "" : "s")} each"
            );
        }
        else
        {
            print(
                $"no shards to submit: {Enumerable.Range(0, settings.Shards).Count(k => IsDone(workDir, k))} done, the rest running or queued"
            );
        }

        var mergeJob = slurm.Submit(
            arrayJob != null ? [$"--dependency=afterany:{arrayJob}"] : [],
            Path.Combine(workDir, MergeScript)
        );
        print($"submitted merge job {mergeJob}{(arrayJob != null ? $" (after job array {arrayJob})" : "")}");
        jobs.Add(
            workDir,
            new Submission
            {
                ArrayJob = arrayJob,
                MergeJob = mergeJob,
                Shards = todo,
                Submitted = submittedAt,
            }
        );
        print($"inputs, shards and logs: {workDir}/; progress: ./emolingua predict status {workDir}");
        return o.Wait ? Wait(workDir, mergeJob, submittedAt, o.PollInterval, slurm, log) : 0;
    }

    public static bool IsDone(string workDir, int shard) =>
        CellAttempt.Read(ShardDir(workDir, shard)) is { State: CellAttempt.StateDone };

    private static string ShardsScriptText(
        Settings s,
        string workDir,
        SlurmGrid.Options o,
        int cpus,
        IReadOnlyList<string> launcher
    )
    {
        var sb = new StringBuilder("#!/bin/bash\n");
        sb.Append(
            $"# Emolingua predict: {s.Files} files of {workDir}/{InputsFile} in {s.Shards} contiguous shards (task K writes shard-K.csv).\n"
        );
        sb.Append(
            "# Written by ./emolingua predict --slurm. A requeued or resubmitted shard continues its own CSV; a finished shard\n"
        );
        sb.Append($"# is not run again. Then the merge: sbatch {Path.Combine(workDir, MergeScript)}.\n");
        sb.Append("#SBATCH --job-name=emolingua-predict-shards\n");
        sb.Append($"#SBATCH --array=0-{s.Shards - 1}{(o.MaxParallel is { } k ? $"%{k}" : "")}\n");
        sb.Append($"#SBATCH --output={workDir}/logs/shard-%a.log\n");
        sb.Append("#SBATCH --open-mode=append\n");
        sb.Append("#SBATCH --requeue\n");
        sb.Append($"#SBATCH --cpus-per-task={cpus}\n");
        sb.Append($"#SBATCH --chdir={SlurmGrid.ShellQuote(s.Cwd)}\n");
        if ((o.GpusPerTask ?? (s.Device == "cuda" ? 1 : null)) is { } g)
            sb.Append($"#SBATCH --gpus-per-task={g}\n");
        SlurmGrid.AppendCommon(sb, o);
        sb.Append(
            $"exec {string.Join(' ', launcher.Select(SlurmGrid.ShellQuote))} predict run-shard {SlurmGrid.ShellQuote(workDir)} --shard \"$SLURM_ARRAY_TASK_ID\"\n"
        );
        return sb.ToString();
    }

    private static string MergeScriptText(string workDir, SlurmGrid.Options o, IReadOnlyList<string> launcher)
    {
        var sb = new StringBuilder("#!/bin/bash\n");
        sb.Append(
            "# Emolingua predict: the shards' CSVs merged into the --out CSV in input order (after the shard array, afterany).\n"
        );
        sb.Append("#SBATCH --job-name=emolingua-predict-merge\n");
        sb.Append($"#SBATCH --output={workDir}/{MergeLog}\n");
        sb.Append("#SBATCH --open-mode=append\n");
        sb.Append("#SBATCH --cpus-per-task=1\n");
        SlurmGrid.AppendCommon(sb, o);
        sb.Append(
            $"exec {string.Join(' ', launcher.Select(SlurmGrid.ShellQuote))} predict merge {SlurmGrid.ShellQuote(workDir)}\n"
        );
        return sb.ToString();
    }
}
