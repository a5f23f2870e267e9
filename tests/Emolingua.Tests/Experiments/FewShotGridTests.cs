using System.Text.Json.Nodes;
using Emolingua.Evaluation;
using Emolingua.Experiments;
using Emolingua.Tests.Training;
using static TorchSharp.torch;

namespace Emolingua.Tests.Experiments;

/// <summary>
/// A tiny grid with a few_shot section and the reference rows, end to end: results.json's reference entries and
/// "few_shot" list, k = 0 equal to the zero-shot result, the cached embeddings, the curve PNG and report, resume.
/// </summary>
public class FewShotGridTests : IClassFixture<TrainingRunTests.Data>
{
    private readonly TrainingRunTests.Data _data;

    public FewShotGridTests(TrainingRunTests.Data data) => _data = data;

    private static string WriteGrid(string folder)
    {
        var recipe = JsonNode.Parse(TinyCorpora.RecipeJson("baseline"))!;
        recipe["training"]!["max_epochs"] = 1;
        File.WriteAllText(Path.Combine(folder, "baseline.json"), recipe.ToJsonString());
        var grid = new JsonObject
        {
            ["name"] = "tiny-few-shot",
            ["folds"] = new JsonArray(1, 2),
            ["seeds"] = new JsonArray(0),
            ["fold_count"] = 5,
            ["test_corpora"] = new JsonArray(new JsonObject { ["kind"] = "manifest", ["root"] = "english.csv" }),
            ["runs"] = new JsonArray(
                new JsonObject
                {
                    ["column"] = "baseline",
                    ["recipe"] = "baseline.json",
                    ["evaluate"] = new JsonArray("manifest"),
                },
                new JsonObject
                {
                    ["column"] = "baseline:short",
                    ["recipe"] = "baseline.json",
                    ["evaluate"] = new JsonArray("manifest"),
                    ["set"] = new JsonObject { ["training.max_epochs"] = 1 },
                }
            ),
            ["tsne"] = new JsonObject { ["enabled"] = false },
            ["few_shot"] = new JsonObject
            {
                ["k"] = new JsonArray(1, 3),
                ["draws"] = 2,
                ["seed"] = 4,
                ["steps"] = 40,
                ["learning_rate"] = 0.01,
                ["corpora"] = new JsonArray("manifest"),
            },
        };
        var path = Path.Combine(folder, "grid.json");
        File.WriteAllText(path, grid.ToJsonString());
        return path;
    }

    [Fact]
    public void GridWritesReferenceRowsAndFewShotCurves()
    {
        using var recipes = new TempDir();
        using var output = new TempDir();
        var grid = ExperimentRecipe.Load(WriteGrid(recipes.Path));
        var log = new List<string>();
        var options = new ExperimentRunner.Options(output.Path, _data.Root, CPU, Resume: false, Log: log.Add);
        var report = ExperimentRunner.Run(grid, options);
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(output.Path, "results.json")))!;
        JsonNode Result(string column) =>
            results["results"]!
                .AsArray()
                .Single(r => (r!["variant"]?.GetValue<string>() ?? r["method"]!.GetValue<string>()) == column)!;

        // Reference rows: one run per fold. The test folds are sessions 1 and 2 of the balanced English set: 16 clips,
        // 4 per class. Chance is 1/4; the balanced training set ties, so majority says "angry" (index 0): 4 of 16.
        foreach (var reference in new[] { "chance", "majority", "acoustic" })
            Assert.Equal(2, Result(reference)["runs"]!.GetValue<int>());
        Assert.Equal(0.25, Result("chance")["accuracy"]!["mean"]!.GetValue<double>(), 12);
        Assert.Equal(0.25, Result("majority")["accuracy"]!["mean"]!.GetValue<double>(), 12);
        Assert.Equal(0.25, Result("majority")["uar"]!["mean"]!.GetValue<double>(), 12);
        // The tiny corpus's emotions differ in pitch and level, which the acoustic functionals capture.
        Assert.True(Result("acoustic")["uar"]!["mean"]!.GetValue<double>() >= 0.9, Result("acoustic").ToJsonString());
        foreach (var fold in new[] { 1, 2 })
        {
            var csv = Path.Combine(
                output.Path,
                "reference",
                $"fold{fold}",
                "acoustic",
                "eval",
                "manifest",
                "predictions.csv"
            );
            var rows = TestCsv.Named(csv);
            var cell = results["cells"]!
                .AsArray()
                .Single(c => c!["method"]!.GetValue<string>() == "acoustic" && c["fold"]!.GetValue<int>() == fold)!;
            Assert.Equal(16, rows.Count);
            Assert.Equal(
                rows.Count(r => r["truth"] == r["predicted"]) / 16.0,
                cell["accuracy"]!.GetValue<double>(),
                12
            );
            Assert.True(File.Exists(Path.Combine(output.Path, "reference", $"fold{fold}", "acoustic", "model.json")));
        }
        Assert.Equal(80 + 1, File.ReadLines(Path.Combine(output.Path, "reference", "features.csv")).Count());

        // Few-shot: column × corpus × k ∈ {0, 1, 3}; k = 0 is the zero-shot result itself; the others average 2 folds ×
        // 2 draws.
        var fewShot = results["few_shot"]!.AsArray();
        Assert.Equal(6, fewShot.Count);
        foreach (var column in new[] { "baseline", "baseline:short" })
        {
            var curve = fewShot
                .Where(f => (f!["variant"]?.GetValue<string>() ?? f["method"]!.GetValue<string>()) == column)
                .ToList();
            Assert.Equal([0, 1, 3], curve.Select(f => f!["k"]!.GetValue<int>()));
            Assert.All(curve, f => Assert.Equal("head", f!["mode"]!.GetValue<string>()));
            Assert.All(curve, f => Assert.Equal("manifest", f!["corpus"]!.GetValue<string>()));
            foreach (var metric in new[] { "accuracy", "macro_f1", "uar" })
            {
                Assert.Equal(
                    Result(column)[metric]!["mean"]!.GetValue<double>(),
                    curve[0]![metric]!["mean"]!.GetValue<double>()
                );
                Assert.Equal(
                    Result(column)[metric]!["std"]!.GetValue<double>(),
                    curve[0]![metric]!["std"]!.GetValue<double>()
                );
                Assert.All(curve.Skip(1), f => Assert.InRange(f![metric]!["mean"]!.GetValue<double>(), 0, 1));
            }
            Assert.All(curve.Skip(1), f => Assert.Equal(4, f!["runs"]!.GetValue<int>()));
        }
        // The window embeddings (clips of 1.2 s: 2 one-second windows each) of the test fold (Session1's 16 clips) and
        // of the drawn clips (at most 3 per class in each of 2 draws) are cached per model.
        var cache = Path.Combine(output.Path, "runs", "baseline", "fold1-seed0", "few-shot", "manifest");
        var windowIds = TestCsv.Records(Path.Combine(cache, "windows.csv")).Select(row => row[0]).ToList();
        var session1 = Emolingua
            .Corpora.Corpus.Load(Emolingua.Corpora.Corpus.Open("manifest", Path.Combine(_data.Root, "english.csv")))
            .Where(u => u.Session == "Session1")
            .Select(u => u.Id)
            .ToList();
        Assert.Subset(windowIds.ToHashSet(), session1.ToHashSet());
        Assert.InRange(windowIds.Distinct().Count(), 16 + 4 * 3, 16 + 4 * 3 * 2);
        Assert.All(windowIds.GroupBy(i => i), g => Assert.Equal(2, g.Count()));
        Assert.Equal(
            new long[] { windowIds.Count, 64 },
            Emolingua.Util.Npy.Read(Path.Combine(cache, "embeddings.npy")).Shape
        );

        var md = File.ReadAllText(Path.Combine(output.Path, "report.md"));
        Assert.Contains("| Chance | Majority | Acoustic |", md);
        Assert.Contains("Few-shot adaptation", md);
        Assert.Contains("![Few-shot adaptation on manifest", md);
        Assert.Contains("plots/fewshot_manifest.png", md);
        Assert.True(File.Exists(Path.Combine(output.Path, "plots", "fewshot_manifest.png")));
        Assert.Contains("Acoustic", ReportTables.Table1Text(report));

        // Resume: everything is read back, nothing recomputed, the same numbers.
        log.Clear();
        var again = ExperimentRunner.Run(grid, options with { Resume = true });
        Assert.Contains("reference rows, fold 2: done earlier", log);
        Assert.DoesNotContain(log, l => l.Contains("embedded"));
        Assert.Equal(report.FewShot!.Select(f => f.Uar.Mean), again.FewShot!.Select(f => f.Uar.Mean));
        Assert.Equal(report.Results.Select(r => r.Uar.Mean), again.Results.Select(r => r.Uar.Mean));
    }

    /// <summary>
    /// A model that has learned the tiny English emotions, tested on the same voices with every label moved one emotion
    /// on (angry clips labelled happy, happy neutral, neutral sad, sad angry). Zero-shot it must get nearly every test
    /// clip wrong; the shots tell the head the new names, so adaptation must gain far more than any noise could give,
    /// while an adaptation that did nothing would repeat the zero-shot result exactly.
    /// </summary>
    [Fact]
    public void HeadAdaptationLearnsRelabelledEmotionsThatZeroShotGetsWrong()
    {
        using var recipes = new TempDir();
        using var output = new TempDir();
        string[] labels = ["angry", "happy", "neutral", "sad"];
        var rows = TestCsv.Rows(Path.Combine(_data.Root, "english.csv"));
        var labelColumn = Array.IndexOf(rows[0], "label");
        foreach (var row in rows.Skip(1))
            row[labelColumn] = labels[(Array.IndexOf(labels, row[labelColumn]) + 1) % labels.Length];
        Emolingua.Util.CsvFiles.Write(Path.Combine(_data.Root, "rotated.csv"), rows[0], rows.Skip(1).ToList());

        // The recipe's frozen front end keeps the convolutions at their random N(0, 0.02) weights: their output is a
        // few per cent of the sinusoidal positional embedding, so every clip's time-mean embedding is nearly the same
        // (its spread across clips ~1 % of its norm) and nothing can learn from it. A trainable front end learns the
        // tiny corpus within a few dozen steps.
        var recipe = JsonNode.Parse(TinyCorpora.RecipeJson("baseline"))!;
        recipe["model"]!["freeze_front_end"] = false;
        recipe["training"]!["learning_rate"] = 0.005;
        recipe["training"]!["max_epochs"] = 8;
        File.WriteAllText(Path.Combine(recipes.Path, "baseline.json"), recipe.ToJsonString());
        var grid = new JsonObject
        {
            ["name"] = "tiny-relabelled",
            ["folds"] = new JsonArray(1),
            ["seeds"] = new JsonArray(0),
            ["fold_count"] = 5,
            ["test_corpora"] = new JsonArray(new JsonObject { ["kind"] = "manifest", ["root"] = "rotated.csv" }),
            ["runs"] = new JsonArray(
                new JsonObject
                {
                    ["column"] = "baseline",
                    ["recipe"] = "baseline.json",
                    ["evaluate"] = new JsonArray("manifest"),
                }
            ),
            ["tsne"] = new JsonObject { ["enabled"] = false },
            ["few_shot"] = new JsonObject
            {
                ["k"] = new JsonArray(1, 3),
                ["draws"] = 2,
                ["seed"] = 4,
                ["steps"] = 100,
                ["learning_rate"] = 0.02,
                ["corpora"] = new JsonArray("manifest"),
            },
        };
        var gridPath = Path.Combine(recipes.Path, "grid.json");
        File.WriteAllText(gridPath, grid.ToJsonString());
        var log = new List<string>();
        var report = ExperimentRunner.Run(
            ExperimentRecipe.Load(gridPath),
            new ExperimentRunner.Options(output.Path, _data.Root, CPU, Resume: false, Log: log.Add)
        );

        double Uar(int k) => report.FewShot!.Single(f => f.K == k).Uar.Mean;
        var curve = $"UAR k = 0: {Uar(0)}, k = 1: {Uar(1)}, k = 3: {Uar(3)}\n" + string.Join("\n", log);
        Assert.Equal(2, report.FewShot!.Single(f => f.K == 3).Runs); // 1 fold × 2 draws
        // 16 test clips (Session1), 4 per class: zero-shot gives each clip its English emotion, now the wrong name
        // (0 on this machine); chance would be 0.25. Adapted, one shot per class already names most clips right (1.0
        // here) and three shots must, far beyond the zero-shot result.
        Assert.True(Uar(0) <= 0.25, curve);
        Assert.True(Uar(1) >= Uar(0) + 0.25, curve);
        Assert.True(Uar(3) >= Uar(0) + 0.5, curve);
        Assert.True(Uar(3) >= 0.75, curve);
    }
}
