using System.Text.Json;
using System.Text.RegularExpressions;

namespace Emolingua.Tests.Cli;

[Collection("Console")]
public class EvaluateCommandTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];

    // EMO-DB names: speaker (2 digits), text code, emotion letter (W angry, F happy, N neutral, T sad; L boredom is
    // dropped), version.
    private static readonly string[] FourClass =
    [
        "03a01Wa",
        "03a02Fb",
        "03a07Na",
        "10b01Tc",
        "08a01Na",
        "08b02Ta",
        "09a04Wa",
        "09a05Fa",
        "10a05Fd",
    ];
    private static readonly string[] Dropped = ["03a04Lc"];
    private static readonly HashSet<string> Male = ["03", "10"];

    private static string Truth(string name) =>
        name[5] switch
        {
            'W' => "angry",
            'F' => "happy",
            'N' => "neutral",
            _ => "sad",
        };

    private static string WriteEmoDb(TempDir dir)
    {
        var root = Path.Combine(dir.Path, "emodb");
        Directory.CreateDirectory(Path.Combine(root, "wav"));
        var seed = 0;
        foreach (var name in FourClass.Concat(Dropped))
        {
            TestWav.WritePcm16Mono(
                Path.Combine(root, "wav", name + ".wav"),
                TestWav.Voiced(1.0 + 0.1 * (seed % 3), 16000, ++seed),
                16000
            );
        }

        return root;
    }

    /// <summary>predictions.csv rows as (truth index, probabilities).</summary>
    private static List<(int Truth, float[] P)> ReadPredictions(string outDir)
    {
        var lines = TestCsv.Rows(Path.Combine(outDir, "predictions.csv"));
        var header = lines[0];
        var iTruth = Array.IndexOf(header, "truth");
        var columns = Labels.Select(l => Array.IndexOf(header, "p_" + l)).ToArray();
        return lines
            .Skip(1)
            .Select(c =>
                (
                    Array.IndexOf(Labels, c[iTruth]),
                    columns.Select(i => float.Parse(c[i], System.Globalization.CultureInfo.InvariantCulture)).ToArray()
                )
            )
            .ToList();
    }

    /// <summary>ECE as Guo et al. define it, written out here independently: 15 bins (i/15, (i+1)/15] of the top
    /// probability.</summary>
    private static double Ece(List<(int Truth, float[] P)> rows)
    {
        double ece = 0;
        for (var b = 0; b < 15; b++)
        {
            var inBin = rows.Where(r => r.P.Max() > b / 15.0 && r.P.Max() <= (b + 1) / 15.0).ToList();
            if (inBin.Count == 0)
                continue;
            var accuracy = inBin.Count(r => Array.IndexOf(r.P, r.P.Max()) == r.Truth) / (double)inBin.Count;
            ece += inBin.Count / (double)rows.Count * Math.Abs(accuracy - inBin.Average(r => (double)r.P.Max()));
        }
        return ece;
    }

    [Fact]
    public void Evaluate_ReportsEceBeforeAndAfterTheModelsTemperature()
    {
        using var dir = new TempDir();
        var root = WriteEmoDb(dir);
        var calibrated = Path.Combine(dir.Path, "calibrated");
        Directory.CreateDirectory(calibrated);
        foreach (var f in Directory.GetFiles(bundle.Folder))
            File.Copy(f, Path.Combine(calibrated, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(calibrated, "calibration.json"), "{\"temperature\": 0.4}");

        var plainOut = Path.Combine(dir.Path, "plain");
        var calibratedOut = Path.Combine(dir.Path, "eval");
        Assert.Equal(
            0,
            CliHarness
                .RunInProcess("evaluate", "--model", bundle.Folder, "--corpus", "emodb=" + root, "--out", plainOut)
                .ExitCode
        );
        var r = CliHarness.RunInProcess(
            "evaluate",
            "--model",
            calibrated,
            "--corpus",
            "emodb=" + root,
            "--out",
            calibratedOut
        );
        Assert.True(r.ExitCode == 0, r.Err);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(calibratedOut, "metrics.json")));
        var c = metrics.RootElement.GetProperty("calibration");
        Assert.Equal(0.4, c.GetProperty("temperature").GetDouble());
        Assert.Equal(15, c.GetProperty("ece_bins").GetInt32());
        // After: the ECE of the probabilities this run wrote; before: the ECE of the same model run without
        // calibration.
        double after = Ece(ReadPredictions(calibratedOut)),
            before = Ece(ReadPredictions(plainOut));
        Assert.Equal(after, c.GetProperty("ece_after").GetDouble(), 4);
        Assert.Equal(before, c.GetProperty("ece_before").GetDouble(), 4);
        Assert.True(
            Math.Abs(after - before) > 1e-3,
            $"T = 0.4 must change the ECE ({before} vs {after}), or the test is vacuous"
        );
        using var plain = JsonDocument.Parse(File.ReadAllText(Path.Combine(plainOut, "metrics.json")));
        var p = plain.RootElement.GetProperty("calibration");
        Assert.Equal(1.0, p.GetProperty("temperature").GetDouble());
        Assert.Equal(p.GetProperty("ece_before").GetDouble(), p.GetProperty("ece_after").GetDouble());
    }

    [Fact]
    public void Evaluate_WritesConsistentReports()
    {
        using var dir = new TempDir();
        var root = WriteEmoDb(dir);
        var outDir = Path.Combine(dir.Path, "eval");

        var r = CliHarness.RunInProcess(
            "evaluate",
            "--model",
            Path.GetDirectoryName(bundle.Folder)!,
            "--corpus",
            "emodb=" + root,
            "--out",
            outDir
        );
        Assert.True(r.ExitCode == 0, r.Err);
        foreach (
            var f in new[]
            {
                "metrics.json",
                "confusion_matrix.json",
                "confusion_matrix.png",
                "gender.md",
                "predictions.csv",
            }
        )
        {
            Assert.True(File.Exists(Path.Combine(outDir, f)), f + " missing");
        }

        Assert.Equal(
            new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A },
            File.ReadAllBytes(Path.Combine(outDir, "confusion_matrix.png"))[..8]
        );

        // predictions.csv: one row per four-class file, truth from the file name.
        var lines = TestCsv.Rows(Path.Combine(outDir, "predictions.csv"));
        var header = lines[0];
        int iId = Array.IndexOf(header, "id"),
            iTruth = Array.IndexOf(header, "truth"),
            iPred = Array.IndexOf(header, "predicted");
        Assert.True(iId >= 0 && iTruth >= 0 && iPred >= 0, string.Join(',', header));
        var rows = lines.Skip(1).ToList();
        Assert.Equal(FourClass.Order(StringComparer.Ordinal), rows.Select(c => c[iId]).Order(StringComparer.Ordinal));
        foreach (var c in rows)
            Assert.Equal(Truth(c[iId]), c[iTruth]);
        foreach (var c in rows)
            Assert.Contains(c[iPred], Labels);
        var csvAccuracy = rows.Count(c => c[iTruth] == c[iPred]) / (double)rows.Count;

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        Assert.Equal(FourClass.Length, metrics.RootElement.GetProperty("n").GetInt32());
        Assert.Equal(csvAccuracy, metrics.RootElement.GetProperty("accuracy").GetDouble(), 9);
        Assert.Equal("baseline", metrics.RootElement.GetProperty("method").GetString());

        using var cm = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "confusion_matrix.json")));
        Assert.Equal(Labels, cm.RootElement.GetProperty("labels").EnumerateArray().Select(e => e.GetString()));
        var matrix = cm
            .RootElement.GetProperty("matrix")
            .EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetInt32()).ToArray())
            .ToArray();
        Assert.Equal(4, matrix.Length);
        Assert.All(matrix, row => Assert.Equal(4, row.Length));
        Assert.Equal(FourClass.Length, matrix.Sum(row => row.Sum()));
        for (var t = 0; t < 4; t++)
        {
            Assert.Equal(FourClass.Count(n => Truth(n) == Labels[t]), matrix[t].Sum()); // rows are truth
            for (var p = 0; p < 4; p++)
                Assert.Equal(rows.Count(c => c[iTruth] == Labels[t] && c[iPred] == Labels[p]), matrix[t][p]);
        }

        // gender.md: "| gender | accuracy | n |" with counts from the EMO-DB speaker list (03, 10 male; 08, 09 female).
        var gender = File.ReadAllText(Path.Combine(outDir, "gender.md"));
        var males = FourClass.Count(n => Male.Contains(n[..2]));
        Assert.Matches(new Regex($@"\|\s*male\s*\|\s*[0-9.]+\s*\|\s*{males}\s*\|", RegexOptions.IgnoreCase), gender);
        Assert.Matches(
            new Regex($@"\|\s*female\s*\|\s*[0-9.]+\s*\|\s*{FourClass.Length - males}\s*\|", RegexOptions.IgnoreCase),
            gender
        );

        // stdout: one JSON summary line agreeing with metrics.json.
        Assert.Single(r.OutLines);
        using var summary = JsonDocument.Parse(r.OutLines[0]);
        Assert.Equal(FourClass.Length, summary.RootElement.GetProperty("n").GetInt32());
        Assert.Equal(csvAccuracy, summary.RootElement.GetProperty("accuracy").GetDouble(), 9);
    }
}
