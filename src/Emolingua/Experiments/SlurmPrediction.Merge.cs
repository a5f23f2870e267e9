using System.Diagnostics;
using System.Globalization;
using System.Text;
using Emolingua.Inference;
using Emolingua.Util;

namespace Emolingua.Experiments;

// predict merge and --wait: the shards' CSVs into the --out CSV, and the wait for the merge job.
public static partial class SlurmPrediction
{
    /// <summary>
    /// <c>predict merge OUT.d</c>: writes the --out CSV (atomically) from every shard's CSV, rows in input order.
    /// Refuses, writing nothing, while a shard is unfinished. Returns the number of files recorded with an error.
    /// </summary>
    public static int Merge(string workDir, Action<string> log)
    {
        workDir = Path.GetFullPath(workDir);
        var s = ReadSettings(workDir);
        var unfinished = Enumerable.Range(0, s.Shards).Where(k => !IsDone(workDir, k)).ToList();
        if (unfinished.Count > 0)
        {
            throw new EmolinguaException(
                workDir,
                $"shard{(unfinished.Count == 1 ? "" : "s")} {string.Join(", ", unfinished)} of {s.Shards} did not finish "
                    + $"(logs: {string.Join(", ", unfinished.Select(k => Path.Combine(workDir, ShardLog(k))))}); {s.Out} not written "
                    + $"(resubmit them with predict ... --slurm --resume; details: ./emolingua predict status {workDir})"
            );
        }

        var inputs = File.ReadLines(Path.Combine(workDir, InputsFile)).ToList();
        IReadOnlyList<string>? header = null;
        var rows = new List<string[]>();
        var failed = 0;
        for (var k = 0; k < s.Shards; k++)
        {
            var csv = Path.Combine(workDir, ShardCsv(k));
            var byPath = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
            using (var reader = CsvFiles.Open(csv))
            {
                var columns = reader.Headers.ToList();
                if (header == null)
                {
                    header = columns;
                }
                else if (!columns.SequenceEqual(header))
                {
                    throw new EmolinguaException(
                        csv,
                        $"has the columns {string.Join(",", columns)}, not {string.Join(",", header)}"
                    );
                }

                while (reader.Read())
                {
                    var row = new string[reader.FieldCount];
                    for (var c = 0; c < row.Length; c++)
                        row[c] = reader.GetString(c) ?? "";
                    if (row.Length != header.Count)
                    {
                        throw new EmolinguaException(
                            csv,
                            $"a row for {row[0]} has {row.Length} fields, not {header.Count}"
                        );
                    }

                    if (!byPath.TryGetValue(row[0], out var list))
                        byPath[row[0]] = list = new();
                    list.Add(row);
                }
            }
            var (start, end) = s.Range(k);
            for (var i = start; i < end; i++)
            {
                if (!byPath.TryGetValue(inputs[i], out var list))
                    throw new EmolinguaException(csv, $"has no row for {inputs[i]} (file {i + 1} of {InputsFile})");
                rows.AddRange(list);
                if (list[0][^1].Length > 0)
                    failed++;
            }
        }
        CsvFiles.Write(s.Out, header!, rows);
        log(
            $"predict: {s.Files} files from {s.Shards} shards merged into {s.Out}, {failed} failed{(failed > 0 ? " (see the error column)" : "")}"
        );
        return failed;
    }

    /// <summary>Blocks until the merge job has ended, with files done / total, rate and ETA; the exit status of
    /// <c>predict --out</c>.</summary>
    public static int Wait(
        string workDir,
        string mergeJob,
        DateTime submittedAt,
        TimeSpan? poll,
        SlurmCommands slurm,
        Action<string> log
    )
    {
        var s = ReadSettings(workDir);
        var watch = Stopwatch.StartNew();
        int? firstDone = null;
        var first = true;
        SlurmJobs.WaitForEnd(slurm, mergeJob, "merge job", poll, log, () =>
        {
            var done = Enumerable.Range(0, s.Shards).Sum(k => ReadProgress(workDir, k)?.Done ?? 0);
            firstDone ??= done;
            var rate = (done - firstDone.Value) / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            var line =
                FormattableString.Invariant($"predict {done}/{s.Files} files, {rate:0.0} files/s")
                + (
                    rate > 0 && done < s.Files
                        ? $", ETA {TimeSpan.FromSeconds(Math.Ceiling((s.Files - done) / rate)):c}"
                        : ""
                );
            // The first line, then only lines with files done.
            var show = done != 0 || first;
            first = false;
            return show ? line : null;
        });
        var status = PredictionStatus.Read(workDir, slurm);
        var bad = status.Shards.Where(x => x.State != TaskState.Done).ToList();
        if (bad.Count > 0)
        {
            throw new EmolinguaException(
                workDir,
                $"{bad.Count} of {status.Total} shards did not finish: "
                    + string.Join(
                        "; ",
                        bad.Select(x => $"shard {x.Shard} {x.State}{(x.Log != null ? $", log {x.Log}" : "")}")
                    )
                    + $" (resubmit with --slurm --resume; details: ./emolingua predict status {workDir})"
            );
        }

        if (!SlurmJobs.WrittenSince(s.Out, submittedAt))
        {
            throw new EmolinguaException(
                s.Out,
                $"the merge job {mergeJob} did not write it (see {Path.Combine(workDir, MergeLog)})"
            );
        }

        var failed = status.FailedFiles;
        log($"predict: {s.Files} files in {s.Out}, {failed} failed{(failed > 0 ? " (see the error column)" : "")}");
        return failed > 0 ? SomeFilesFailed : 0;
    }
}
