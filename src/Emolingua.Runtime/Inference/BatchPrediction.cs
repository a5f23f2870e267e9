using System.Diagnostics;
using System.Threading.Channels;
using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>Settings of a batch prediction into a CSV (<see cref="BatchPrediction"/>).</summary>
public sealed record BatchOptions
{
    /// <summary>The CSV to write (or, with <see cref="Resume"/>, to continue).</summary>
    public required string OutPath { get; init; }

    /// <summary>Continue an existing CSV: files already in it are skipped.</summary>
    public bool Resume { get; init; }

    /// <summary>One row per window instead of one per file.</summary>
    public bool Segments { get; init; }

    /// <summary>Decoder threads running ahead of inference.</summary>
    public int Jobs { get; init; } = 2;

    /// <summary>Below this top probability a clip (or window) is labelled
    /// <see cref="EmotionPrediction.Uncertain"/>.</summary>
    public double MinConfidence { get; init; }

    /// <summary>Consecutive files are gathered into one inference call until it holds this many windows.</summary>
    public int BatchWindows { get; init; } = 32;
}

/// <param name="Done">Files finished in this run (predicted or failed).</param>
/// <param name="Pending">Files this run has to do (those not already in the CSV).</param>
/// <param name="Failed">Files of this run recorded with an error.</param>
/// <param name="FilesPerSecond">Files finished per second of wall time so far.</param>
public sealed record BatchProgress(int Done, int Pending, int Failed, double FilesPerSecond);

/// <param name="Files">Files named by the inputs.</param>
/// <param name="Skipped">Files already in the CSV (resume).</param>
/// <param name="Predicted">Files predicted in this run.</param>
/// <param name="Failed">Files recorded with an error, in this run and (resume) earlier ones.</param>
/// <param name="InputWaitFraction">The share of the run's wall time inference spent waiting for decoded audio (high:
/// raise --jobs).</param>
/// <param name="Seconds">Wall time of the run.</param>
public sealed record BatchSummary(
    int Files,
    int Skipped,
    int Predicted,
    int Failed,
    double Seconds,
    double InputWaitFraction
);

/// <summary>
/// Predicts many files into a CSV (<see cref="PredictionCsv"/>). Decoding (file reading, MP3/ffmpeg, resampling) runs
/// ahead on <see cref="BatchOptions.Jobs"/> threads through a bounded queue, so memory stays flat whatever the number
/// of files; inference runs on the calling thread (the recognizer serialises it anyway) over batches of consecutive
/// files (so a run's batches, and hence its numbers, do not depend on thread timing). Rows are written in input order
/// and flushed after every batch. A file that cannot be read or predicted gets
/// an error row and the run goes on.
/// </summary>
public static class BatchPrediction
{
    private sealed record Decoded(string Path, float[]? Samples, string? Error);

    /// <summary>Predicts <paramref name="files"/> into the CSV of <paramref name="o"/>, reporting progress after every
    /// batch; returns what was done.</summary>
    /// <param name="recognizer">The model; its labels name the probability columns.</param>
    /// <param name="files">Audio files, in the order of the rows (<see cref="PredictionInputs.Expand"/> makes them from
    /// folders and lists).</param>
    /// <param name="o">Where to write and how.</param>
    /// <param name="progress">Called after every batch (and once at the start).</param>
    public static BatchSummary Run(
        EmotionRecognizer recognizer,
        IReadOnlyList<string> files,
        BatchOptions o,
        Action<BatchProgress>? progress = null
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Jobs, 1);
        using var csv = PredictionCsv.Open(o.OutPath, recognizer.Labels, o.Segments, o.Resume);
        var pending = files.Where(f => !csv.DonePaths.Contains(Path.GetFullPath(f))).ToList();
        var windowSamples = WhisperAudio.SamplesFor(recognizer.Seconds);

        // Bounded: at most 4·jobs decoded files wait for inference (plus the jobs being decoded).
        var queue = Channel.CreateBounded<Task<Decoded>>(
            new BoundedChannelOptions(4 * o.Jobs) { SingleReader = true, SingleWriter = true }
        );
        using var cancel = new CancellationTokenSource();
        using var decoders = new SemaphoreSlim(o.Jobs);
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var path in pending)
                {
                    await decoders.WaitAsync(cancel.Token);
                    var decode = Task.Run(() =>
                    {
                        try
                        {
                            return Decode(path);
                        }
                        finally
                        {
                            decoders.Release();
                        }
                    });
                    await queue.Writer.WriteAsync(decode, cancel.Token);
                }
            }
            finally
            {
                queue.Writer.Complete();
            }
        });

        int done = 0,
            failed = 0;
        var watch = Stopwatch.StartNew();
        var inputWait = TimeSpan.Zero;
        progress?.Invoke(new BatchProgress(0, pending.Count, 0, 0));
        try
        {
            var batch = new List<Decoded>();
            Decoded? Take()
            {
                var waitStart = watch.Elapsed;
                var decoded = Next(queue.Reader)?.GetAwaiter().GetResult();
                inputWait += watch.Elapsed - waitStart;
                return decoded;
            }
            while (Take() is { } first)
            {
                batch.Clear();
                batch.Add(first);
                var windows = WindowCount(first, windowSamples);
                while (windows < o.BatchWindows && Take() is { } next)
                {
                    batch.Add(next);
                    windows += WindowCount(next, windowSamples);
                }
                var rows = new List<string[]>();
                foreach (var (file, prediction, error) in Predict(recognizer, batch))
                {
                    if (error != null)
                    {
                        failed++;
                        rows.Add(csv.ErrorRow(file, error));
                    }
                    else
                    {
                        rows.AddRange(csv.Rows(file, prediction!, recognizer.Labels, o.MinConfidence));
                    }
                }
                csv.Append(rows);
                done += batch.Count;
                progress?.Invoke(
                    new BatchProgress(done, pending.Count, failed, done / Math.Max(watch.Elapsed.TotalSeconds, 1e-9))
                );
            }
        }
        finally
        {
            cancel.Cancel();
            try
            {
                producer.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) { }
        }
        return new BatchSummary(
            files.Count,
            files.Count - pending.Count,
            done - failed,
            failed + csv.FailedEarlier,
            watch.Elapsed.TotalSeconds,
            inputWait.TotalSeconds / Math.Max(watch.Elapsed.TotalSeconds, 1e-9)
        );
    }

    private static Task<Decoded>? Next(ChannelReader<Task<Decoded>> reader)
    {
        while (true)
        {
            if (reader.TryRead(out var item))
                return item;
            if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                return null;
        }
    }

    private static Decoded Decode(string path)
    {
        try
        {
            var samples = AudioFile.Read(path, WhisperAudio.SampleRate).Samples;
            return samples.Length > 0
                ? new Decoded(path, samples, null)
                : new Decoded(path, null, "empty audio (no samples)");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new Decoded(path, null, ErrorText(path, e));
        }
    }

    /// <summary>The problem without the "FILE: " prefix that <see cref="EmolinguaException"/> puts in front (the row
    /// has the path).</summary>
    private static string ErrorText(string path, Exception e)
    {
        var message = e is EmolinguaException { File: { } f } && f == path ? e.Message[(f.Length + 2)..] : e.Message;
        return message.ReplaceLineEndings(" ").Trim();
    }

    private static int WindowCount(Decoded d, int windowSamples) =>
        d.Samples == null ? 0 : AudioWindows.Starts(d.Samples.Length, windowSamples).Count;

    /// <summary>One inference call for the decoded files of a batch; should it fail, each file alone, so one bad file
    /// cannot sink the others.</summary>
    private static IEnumerable<(string Path, EmotionPrediction? Prediction, string? Error)> Predict(
        EmotionRecognizer recognizer,
        List<Decoded> batch
    )
    {
        var ok = batch.Where(d => d.Samples != null).ToList();
        IReadOnlyList<EmotionPrediction>? together = null;
        try
        {
            together = ok.Count > 0 ? recognizer.PredictClips(ok.Select(d => d.Samples!).ToList()) : [];
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ObjectDisposedException) { }
        var next = 0;
        foreach (var d in batch)
        {
            if (d.Samples == null)
            {
                yield return (d.Path, null, d.Error);
                continue;
            }
            if (together != null)
            {
                yield return (d.Path, together[next++], null);
                continue;
            }
            EmotionPrediction? alone = null;
            string? error = null;
            try
            {
                alone = recognizer.PredictClips([d.Samples])[0];
            }
            catch (Exception e) when (e is not OutOfMemoryException and not ObjectDisposedException)
            {
                error = ErrorText(d.Path, e);
            }
            yield return (d.Path, alone, error);
        }
    }
}
