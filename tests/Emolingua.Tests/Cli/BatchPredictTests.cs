using System.Globalization;
using Emolingua.Cli.Commands;

namespace Emolingua.Tests.Cli;

/// <summary><c>predict --out</c>: inputs (folders, lists, manifests), CSV rows, failures, resume after a kill,
/// segments, --min-confidence.</summary>
[Collection("Console")]
public class BatchPredictTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private static readonly string[] FileColumns =
    [
        "path",
        "label",
        "p_angry",
        "p_happy",
        "p_neutral",
        "p_sad",
        "duration_s",
        "error",
    ];
    private static readonly string[] SegmentColumns =
    [
        "path",
        "start_s",
        "end_s",
        "label",
        "p_angry",
        "p_happy",
        "p_neutral",
        "p_sad",
        "duration_s",
        "error",
    ];

    private string Model => Path.GetDirectoryName(bundle.Folder)!;

    private static string Wav(string path, double seconds, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var x = TestWav.Voiced(seconds, 16000, seed);
        var rng = new Random(seed);
        var gain = 0.2 + 2 * rng.NextDouble(); // different levels and noise, so the files get different probabilities
        for (var i = 0; i < x.Length; i++)
            x[i] = (float)Math.Clamp(gain * x[i] + 0.05 * seed % 3 * (rng.NextDouble() - 0.5), -1, 1);
        TestWav.WritePcm16Mono(path, x, 16000);
        return path;
    }

    private static float[] Probabilities(string[] row, string[] header) =>
        Labels.Select(l => float.Parse(row[Array.IndexOf(header, "p_" + l)], CultureInfo.InvariantCulture)).ToArray();

    private const int Window = 16000;

    /// <summary>One window of the independent reference: its time range and the model's softmax on it.</summary>
    private sealed record ReferenceWindow(double StartSeconds, double EndSeconds, float[] Probabilities)
    {
        public string Label => Labels[Array.IndexOf(Probabilities, Probabilities.Max())];
    }

    /// <summary>
    /// The independent reference for a file: its PCM16 samples read by the test's own reader, windows placed by hand
    /// (1 s every 0.5 s, the last ending at the clip's end, one zero-padded window for a shorter clip), each window
    /// classified by the in-memory model the bundle was saved from (no EmotionRecognizer, no decoder, no window code of
    /// the library).
    /// </summary>
    private List<ReferenceWindow> ReferenceWindows(string path)
    {
        var clip = TestWav.ReadPcm16Mono(path);
        var starts = new List<int>();
        for (var s = 0; s + Window < clip.Length; s += Window / 2)
            starts.Add(s);
        starts.Add(Math.Max(0, clip.Length - Window));
        return starts
            .Select(s => new ReferenceWindow(
                s / 16000.0,
                Math.Min(s + Window, clip.Length) / 16000.0,
                CliHarness.MeanWindowProbabilities(bundle.Model, clip, [s], TinyBundleFixture.Seconds)
            ))
            .ToList();
    }

    /// <summary>The reference's file probabilities: the mean over its windows.</summary>
    private float[] ReferenceProbabilities(string path)
    {
        var windows = ReferenceWindows(path);
        return Enumerable.Range(0, Labels.Length).Select(k => windows.Average(w => w.Probabilities[k])).ToArray();
    }

    private static string Argmax(float[] p) => Labels[Array.IndexOf(p, p.Max())];

    /// <summary>
    /// Within 1e-4: libtorch rounds differently when windows are classified in a batch (the CSV run batches several
    /// files' windows; the reference classifies one window at a time), seen up to about 3e-5. A wrong window or file
    /// would be off by 1e-2 or more.
    /// </summary>
    private static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-4)
    {
        for (var k = 0; k < expected.Length; k++)
            Assert.InRange(actual[k], expected[k] - tolerance, expected[k] + tolerance);
    }

    [Fact]
    public void Folders_Lists_Manifests_OneRowPerFile_AsTheModelClassifiesIt()
    {
        using var dir = new TempDir();
        var a = Wav(Path.Combine(dir.Path, "clips", "a.wav"), 1.3, 1);
        var b = Wav(Path.Combine(dir.Path, "clips", "sub", "b.wav"), 0.7, 2);
        var noExtension = Path.Combine(dir.Path, "clips", "sub", "deeper", "recording");
        Wav(noExtension + ".wav", 2.2, 3);
        File.Move(noExtension + ".wav", noExtension); // audio by content
        File.WriteAllText(Path.Combine(dir.Path, "clips", "notes.txt"), "not audio\n"); // skipped in a folder
        var c = Wav(Path.Combine(dir.Path, "other", "c.wav"), 1.0, 4);
        var d = Wav(Path.Combine(dir.Path, "other", "d.wav"), 1.6, 5);
        var e = Wav(Path.Combine(dir.Path, "other", "e.wav"), 0.9, 6);
        var list = Path.Combine(dir.Path, "other", "list.txt");
        File.WriteAllText(list, "# clips to label\nc.wav\n\n" + a + "\n"); // relative to the list; a is a duplicate
        var manifest = Path.Combine(dir.Path, "other", "manifest.csv");
        File.WriteAllText(manifest, "path,label\nd.wav,sad\ne.wav,\n");

        var csv = Path.Combine(dir.Path, "out", "predictions.csv");
        var r = CliHarness.RunInProcess(
            "predict",
            "--model",
            Model,
            Path.Combine(dir.Path, "clips"),
            list,
            manifest,
            "--out",
            csv
        );
        Assert.True(r.ExitCode == 0, r.Err);

        var rows = TestCsv.Rows(csv);
        Assert.Equal(FileColumns, rows[0]);
        // the folder sorted by path, then the list, then the manifest
        string[] expectedOrder = [a, b, noExtension, c, d, e];
        Assert.Equal(expectedOrder.Select(Path.GetFullPath), rows.Skip(1).Select(row => Path.GetFullPath(row[0])));
        foreach (var row in rows.Skip(1))
        {
            var p = Probabilities(row, FileColumns);
            AssertClose(ReferenceProbabilities(row[0]), p);
            Assert.Equal(Argmax(p), row[1]);
            Assert.Equal(
                TestWav.ReadPcm16Mono(row[0]).Length / 16000.0,
                double.Parse(row[6], CultureInfo.InvariantCulture),
                3
            );
            Assert.Equal("", row[7]);
        }
        Assert.NotEqual(rows[1][2], rows[2][2]); // files are told apart
    }

    [Fact]
    public void AFailingFile_GetsItsErrorRow_TheOthersArePredicted_ExitStatusSaysSo()
    {
        using var dir = new TempDir();
        var good1 = Wav(dir.File("good1.wav"), 1.2, 7);
        var text = dir.File("text.wav");
        File.WriteAllText(text, "this is text, not audio\n");
        var empty = dir.File("empty.wav");
        TestWav.WritePcm16Mono(empty, [], 16000);
        var missing = dir.File("missing.wav");
        var good2 = Wav(dir.File("good2.wav"), 0.8, 8);
        var list = dir.File("batch.txt");
        File.WriteAllLines(list, [good1, text, empty, missing, good2]);

        var csv = dir.File("predictions.csv");
        var r = CliHarness.RunInProcess("predict", "--model", Model, list, "--out", csv);
        Assert.Equal(PredictCommand.SomeFilesFailed, r.ExitCode);
        Assert.Contains("3 failed", r.Err);
        var rows = TestCsv.Rows(csv).Skip(1).ToDictionary(row => row[0]);
        Assert.Equal(5, rows.Count);
        foreach (var bad in new[] { text, empty, missing })
        {
            Assert.NotEqual("", rows[bad][7]);
            Assert.All(rows[bad][1..7], field => Assert.Equal("", field));
        }
        Assert.Contains("empty", rows[empty][7]);
        Assert.Contains("not found", rows[missing][7]);
        foreach (var good in new[] { good1, good2 })
        {
            Assert.Equal("", rows[good][7]);
            AssertClose(ReferenceProbabilities(good), Probabilities(rows[good], FileColumns));
        }

        // Every file fine: exit status 0.
        var fine = dir.File("fine.csv");
        Assert.Equal(0, CliHarness.RunInProcess("predict", "--model", Model, good1, good2, "--out", fine).ExitCode);
    }

    [Fact]
    public void ResumeAfterAKill_EveryFileOnce_RowsEqualAnUninterruptedRun()
    {
        using var dir = new TempDir();
        // Long clips (39 windows each) so that the run is still going when it is killed.
        var files = Enumerable
            .Range(0, 12)
            .Select(i => Wav(Path.Combine(dir.Path, "clips", $"clip{i:00}.wav"), 20, 100 + i))
            .ToList();
        var folder = Path.Combine(dir.Path, "clips");
        var straight = dir.File("straight.csv");
        Assert.Equal(0, CliHarness.RunInProcess("predict", "--model", Model, folder, "--out", straight).ExitCode);

        var killed = dir.File("killed.csv");
        using (var child = CliHarness.StartChild("predict", "--model", Model, folder, "--out", killed, "--jobs", "2"))
        {
            _ = child.StandardOutput.ReadToEndAsync();
            _ = child.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (DataLines(killed) < 2 && !child.HasExited && DateTime.UtcNow < deadline)
                Thread.Sleep(10);
            Assert.False(child.HasExited, "the run finished before it could be killed: the test would prove nothing");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        var before = DataLines(killed);
        Assert.InRange(before, 2, files.Count - 1);
        // a torn last line, as a kill in the middle of a write leaves
        File.AppendAllText(killed, files[before] + ",sad,0.12");

        var r = CliHarness.RunInProcess("predict", "--model", Model, folder, "--out", killed, "--resume");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains($"{before} already in", r.Err);
        // every file once, in order, with the same results
        AssertSameRows(TestCsv.Rows(straight), TestCsv.Rows(killed), FileColumns);

        // Without --resume an existing CSV is refused and left as it is.
        var bytes = File.ReadAllBytes(killed);
        var refused = CliHarness.RunInProcess("predict", "--model", Model, folder, "--out", killed);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--resume", refused.Err);
        Assert.Equal(bytes, File.ReadAllBytes(killed));
    }

    /// <summary>Equal rows, probabilities as <see cref="AssertClose"/> (a resumed run's batches start
    /// elsewhere).</summary>
    private static void AssertSameRows(List<string[]> expected, List<string[]> actual, string[] header)
    {
        Assert.Equal(expected.Select(row => row[0]), actual.Select(row => row[0]));
        var probabilityColumns = Labels.Select(l => Array.IndexOf(header, "p_" + l)).ToHashSet();
        for (var i = 1; i < expected.Count; i++)
        {
            AssertClose(Probabilities(expected[i], header), Probabilities(actual[i], header));
            for (var c = 0; c < header.Length; c++)
            {
                if (!probabilityColumns.Contains(c))
                    Assert.Equal(expected[i][c], actual[i][c]);
            }
        }
    }

    private static int DataLines(string csv)
    {
        if (!File.Exists(csv))
            return 0;
        using var stream = new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return Math.Max(0, reader.ReadToEnd().Count(c => c == '\n') - 1);
    }

    [Fact]
    public void Segments_OneRowPerWindow_AsTheModelClassifiesEachWindow_AndResumeRedoesAPartFile()
    {
        using var dir = new TempDir();
        var files = new[]
        {
            Wav(dir.File("long.wav"), 2.5, 21),
            Wav(dir.File("short.wav"), 0.6, 22),
            Wav(dir.File("mid.wav"), 1.7, 23),
        };
        var csv = dir.File("segments.csv");
        var r = CliHarness.RunInProcess(["predict", "--model", Model, "--segments", "--out", csv, .. files]);
        Assert.True(r.ExitCode == 0, r.Err);
        var rows = TestCsv.Rows(csv);
        Assert.Equal(SegmentColumns, rows[0]);
        var expected = files
            .SelectMany(f =>
                ReferenceWindows(f)
                    .Select(s => (Path: f, s, DurationSeconds: TestWav.ReadPcm16Mono(f).Length / 16000.0))
            )
            .ToList();
        // hand-counted windows of 2.5, 0.6 and 1.7 s with a 1 s window and 0.5 s hop
        Assert.Equal(4 + 1 + 3, expected.Count);
        Assert.Equal(expected.Count, rows.Count - 1);
        for (var i = 0; i < expected.Count; i++)
        {
            var row = rows[i + 1];
            Assert.Equal(expected[i].Path, row[0]);
            Assert.Equal(expected[i].s.StartSeconds, double.Parse(row[1], CultureInfo.InvariantCulture), 3);
            Assert.Equal(expected[i].s.EndSeconds, double.Parse(row[2], CultureInfo.InvariantCulture), 3);
            var p = Probabilities(row, SegmentColumns);
            AssertClose(expected[i].s.Probabilities, p);
            Assert.Equal(Argmax(p), row[3]);
            Assert.Equal(expected[i].DurationSeconds, double.Parse(row[8], CultureInfo.InvariantCulture), 3);
        }

        // A run killed between two rows of long.wav's windows: resume predicts that file again, whole.
        var complete = File.ReadAllText(csv);
        var lines = complete.Split('\n');
        File.WriteAllText(csv, string.Join('\n', lines.Take(3)) + "\n"); // header + 2 of long.wav's 4 windows
        Assert.Equal(
            0,
            CliHarness
                .RunInProcess(["predict", "--model", Model, "--segments", "--out", csv, "--resume", .. files])
                .ExitCode
        );
        AssertSameRows(rows, TestCsv.Rows(csv), SegmentColumns);
        complete = File.ReadAllText(csv);

        // Resuming with the other row layout is refused.
        var refused = CliHarness.RunInProcess(["predict", "--model", Model, "--out", csv, "--resume", .. files]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("columns", refused.Err);
        Assert.Equal(complete, File.ReadAllText(csv));
    }

    [Fact]
    public void Segments_OnTheConsole_ATimelineOfTimeRangesLabelsAndConfidences()
    {
        using var dir = new TempDir();
        var path = Wav(dir.File("long.wav"), 2.5, 31);
        var r = CliHarness.RunInProcess("predict", "--model", Model, "--segments", path);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.StartsWith(path + "\t", r.OutLines[0]);
        var segments = ReferenceWindows(path);
        // Expected lines, built from the reference's windows: consecutive windows with one label form one line.
        var expected = new List<string>();
        var i = 0;
        while (i < segments.Count)
        {
            var j = i;
            while (j + 1 < segments.Count && segments[j + 1].Label == segments[i].Label)
                j++;
            double mean = segments.Skip(i).Take(j - i + 1).Average(s => s.Probabilities.Max());
            expected.Add(
                $"{Clock(segments[i].StartSeconds)}-{Clock(segments[j].EndSeconds)} {segments[i].Label} {mean.ToString("0.00", CultureInfo.InvariantCulture)}"
            );
            i = j + 1;
        }
        Assert.Equal(
            expected,
            r.OutLines.Skip(1).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        );
    }

    private static string Clock(double seconds) => $"{(int)(seconds / 60)}:{seconds % 60:00.0}".Replace(',', '.');

    [Fact]
    public void MinConfidence_LabelsUncertainBelowTheThreshold()
    {
        using var dir = new TempDir();
        var files = Enumerable.Range(0, 8).Select(i => Wav(dir.File($"c{i}.wav"), 0.8 + 0.2 * i, 40 + i)).ToArray();
        var top = files.Select(f => ReferenceProbabilities(f).Max()).ToArray();
        Assert.True(top.Max() - top.Min() > 0.02, $"top probabilities {string.Join(", ", top)} too close to split");
        double threshold = (top.Min() + top.Max()) / 2;

        var csv = dir.File("p.csv");
        var r = CliHarness.RunInProcess([
            "predict",
            "--model",
            Model,
            "--out",
            csv,
            "--min-confidence",
            threshold.ToString(CultureInfo.InvariantCulture),
            .. files,
        ]);
        Assert.True(r.ExitCode == 0, r.Err);
        var rows = TestCsv.Rows(csv).Skip(1).ToList();
        for (var i = 0; i < files.Length; i++)
        {
            var p = Probabilities(rows[i], FileColumns);
            var argmax = Labels[Array.IndexOf(p, p.Max())];
            Assert.Equal(top[i] < threshold ? "uncertain" : argmax, rows[i][1]);
        }
        Assert.Contains(rows, row => row[1] == "uncertain");
        Assert.Contains(rows, row => row[1] != "uncertain");

        var console = CliHarness.RunInProcess([
            "predict",
            "--model",
            Model,
            "--min-confidence",
            threshold.ToString(CultureInfo.InvariantCulture),
            .. files,
        ]);
        Assert.Equal(rows.Select(row => row[1]), console.OutLines.Select(l => l.Split('\t')[1]));
        Assert.NotEqual(
            0,
            CliHarness.RunInProcess("predict", "--model", Model, "--min-confidence", "1.5", files[0]).ExitCode
        );
    }
}
