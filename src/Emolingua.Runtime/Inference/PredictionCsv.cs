using System.Globalization;
using CsvHelper;
using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>
/// The CSV that <c>predict --out</c> appends to: one row per file (<c>path, label, p_&lt;class&gt;..., duration_s,
/// error</c>), or with segments one row per window (<c>path, start_s, end_s, label, p_&lt;class&gt;..., duration_s,
/// error</c>). The probability columns are named p_ + the class name, in the model's label order (alphabetical:
/// p_angry, p_happy, p_neutral, p_sad). A file that failed has one row with its <c>error</c> set and the other columns
/// empty.
/// Rows are appended and flushed a batch at a time, so a killed run loses only the rows in flight; <see cref="Open"/>
/// with resume reads what an earlier run wrote and cuts a torn last line.
/// </summary>
public sealed class PredictionCsv : IDisposable
{
    private readonly CsvWriter _writer;

    /// <summary>The CSV's columns (<see cref="Columns"/>).</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>One row per window rather than one per file.</summary>
    public bool Segments { get; }

    /// <summary>Files already in the CSV when it was opened (resume), by full path
    /// (<see cref="Path.GetFullPath(string)"/>).</summary>
    public IReadOnlySet<string> DonePaths { get; }

    /// <summary>Of <see cref="DonePaths"/>, those recorded with an error.</summary>
    public int FailedEarlier { get; }

    private PredictionCsv(string path, IReadOnlyList<string> header, bool segments, HashSet<string> done, int failed)
    {
        Header = header;
        Segments = segments;
        DonePaths = done;
        FailedEarlier = failed;
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _writer = CsvWriter.Create(stream, Options);
    }

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { NewLine = "\n" };

    /// <summary>The columns of a predictions CSV: path, (start_s, end_s,) label, p_ + each label, duration_s,
    /// error.</summary>
    public static IReadOnlyList<string> Columns(IReadOnlyList<string> labels, bool segments) =>
        [
            "path",
            .. segments ? new[] { "start_s", "end_s" } : [],
            "label",
            .. labels.Select(l => "p_" + l),
            "duration_s",
            "error",
        ];

    /// <summary>
    /// Starts a new CSV (its header written atomically) or, with <paramref name="resume"/>, continues an existing one:
    /// its columns must be these; a torn last line is cut, and with segments the last file's rows too (they may be
    /// incomplete), so that file is predicted again. Without resume an existing file is refused, so no earlier results
    /// are lost.
    /// </summary>
    public static PredictionCsv Open(string path, IReadOnlyList<string> labels, bool segments, bool resume)
    {
        var header = Columns(labels, segments);
        var exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (exists && !resume)
            throw new EmolinguaException(path, "already exists; pass --resume to continue it, or choose another --out");
        if (Directory.Exists(path))
            throw new EmolinguaException(path, "is a folder; --out takes a CSV file name");
        var done = new HashSet<string>(StringComparer.Ordinal);
        var failed = 0;
        if (exists)
            failed = Repair(path, header, segments, done);
        else
            CsvFiles.Write(path, header, []); // the header alone, atomically: a kill never leaves half of it
        return new PredictionCsv(path, header, segments, done, failed);
    }

    /// <summary>Reads an earlier run's rows into <paramref name="done"/>, cuts what is incomplete; returns the failed
    /// files.</summary>
    private static int Repair(string path, IReadOnlyList<string> header, bool segments, HashSet<string> done)
    {
        var rows = new List<(string Path, long Offset, bool Complete, bool Failed)>();
        long length;
        bool endsWithNewline;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            length = stream.Length;
            stream.Position = length - 1;
            endsWithNewline = stream.ReadByte() == '\n';
        }
        using (var reader = CsvFiles.Open(path))
        {
            var columns = reader.Headers.ToList();
            if (!columns.SequenceEqual(header))
            {
                throw new EmolinguaException(
                    path,
                    $"has the columns {string.Join(",", columns)}, not {string.Join(",", header)} "
                        + "(written with another --segments setting or model?); choose another --out"
                );
            }

            var error = header.Count - 1;
            while (reader.Read())
            {
                rows.Add(
                    (
                        reader.GetString(0) ?? "",
                        reader.ByteOffset,
                        reader.FieldCount == header.Count,
                        reader.FieldCount == header.Count && !reader.IsEmpty(error)
                    )
                );
            }
        }
        var keep = rows.Count;
        if (keep > 0 && (!endsWithNewline || !rows[^1].Complete))
            keep--; // a torn last line
        if (segments && keep > 0)
        {
            var last = rows[keep - 1].Path; // the last file's rows may be a part of them
            while (keep > 0 && rows[keep - 1].Path == last)
                keep--;
        }
        var cut = keep < rows.Count ? rows[keep].Offset : length;
        if (cut < length)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            stream.SetLength(cut);
        }
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows.Take(keep).Where(r => r.Path.Length > 0))
        {
            done.Add(Path.GetFullPath(row.Path));
            if (row.Failed)
                failed.Add(row.Path);
        }
        return failed.Count;
    }

    /// <summary>The rows of one file: one per clip, or one per window with segments.</summary>
    public IEnumerable<string[]> Rows(
        string path,
        EmotionPrediction p,
        IReadOnlyList<string> labels,
        double minConfidence
    )
    {
        var duration = Seconds(p.DurationSeconds);
        if (!Segments)
        {
            yield return
            [
                path,
                p.LabelAt(minConfidence),
                .. labels.Select(l => Probability(p.Probabilities[l])),
                duration,
                "",
            ];
            yield break;
        }
        foreach (var s in p.Segments)
        {
            yield return
            [
                path,
                Seconds(s.StartSeconds),
                Seconds(s.EndSeconds),
                s.LabelAt(minConfidence),
                .. labels.Select(l => Probability(s.Probabilities[l])),
                duration,
                "",
            ];
        }
    }

    /// <summary>The one row of a file that failed: its path and the error, the other columns empty.</summary>
    public string[] ErrorRow(string path, string error)
    {
        var row = new string[Header.Count];
        Array.Fill(row, "");
        row[0] = path;
        row[^1] = error;
        return row;
    }

    /// <summary>Appends rows and flushes them to the file.</summary>
    public void Append(IEnumerable<string[]> rows)
    {
        foreach (var row in rows)
        {
            foreach (var field in row)
                _writer.WriteField(field);
            _writer.EndRecord();
        }
        _writer.Flush();
    }

    private static string Probability(float p) => p.ToString("0.000000", CultureInfo.InvariantCulture);

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose() => _writer.Dispose();
}
