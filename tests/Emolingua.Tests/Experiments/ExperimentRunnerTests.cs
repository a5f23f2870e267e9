using System.Text.Json.Nodes;
using Emolingua.Evaluation;
using Emolingua.Experiments;
using Emolingua.Inference;
using Emolingua.Tests.Training;
using static TorchSharp.torch;

namespace Emolingua.Tests.Experiments;

/// <summary>A tiny grid end to end: every file and number of results.json / report.md, resume, predict on a grid
/// model.</summary>
public class ExperimentRunnerTests : IClassFixture<TrainingRunTests.Data>
{
    private readonly TrainingRunTests.Data _data;

    public ExperimentRunnerTests(TrainingRunTests.Data data) => _data = data;

    private string WriteGrid(string folder)
    {
        foreach (var m in new[] { "baseline", "contrastive", "byol" })
        {
            var r = JsonNode.Parse(TinyCorpora.RecipeJson(m))!;
            r["training"]!["max_epochs"] = 2;
            r["contrastive"]!["stage1_max_epochs"] = 1;
            File.WriteAllText(Path.Combine(folder, m + ".json"), r.ToJsonString());
        }
        var grid = new JsonObject
        {
            ["name"] = "tiny-grid",
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
                    ["column"] = "contrastive",
                    ["recipe"] = "contrastive.json",
                    ["evaluate"] = new JsonArray("manifest"),
                },
                new JsonObject
                {
                    ["column"] = "byol",
                    ["recipe"] = "byol.json",
                    ["evaluate"] = new JsonArray("manifest"),
                },
                new JsonObject
                {
                    ["column"] = "contrastive:target",
                    ["recipe"] = "contrastive.json",
                    ["evaluate"] = new JsonArray("manifest"),
                    ["set"] = new JsonObject { ["training.max_epochs"] = 1 },
                }
            ),
            ["tsne"] = new JsonObject
            {
                ["enabled"] = true,
                ["fold"] = 1,
                ["seed"] = 0,
                ["perplexity"] = 5,
            },
            ["references"] = new JsonArray(), // the reference rows are FewShotGridTests' subject
        };
        var path = Path.Combine(folder, "grid.json");
        File.WriteAllText(path, grid.ToJsonString());
        return path;
    }

    [Fact]
    public void GridWritesResultsReportPlotsAndResumes()
    {
        using var recipes = new TempDir();
        using var output = new TempDir();
        var grid = ExperimentRecipe.Load(WriteGrid(recipes.Path));
        var log = new List<string>();
        var options = new ExperimentRunner.Options(output.Path, _data.Root, CPU, Resume: false, Log: log.Add);
        var report = ExperimentRunner.Run(grid, options);

        // results.json: one result per column on the corpus, each from 2 runs (folds 1, 2), metrics in [0, 1].
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(output.Path, "results.json")))!;
        var rows = results["results"]!.AsArray();
        var cells = results["cells"]!.AsArray();
        static string Column(JsonNode n) => n["variant"]?.GetValue<string>() ?? n["method"]!.GetValue<string>();
        Assert.Equal(4, rows.Count);
        foreach (var row in rows)
        {
            Assert.Equal("manifest", row!["corpus"]!.GetValue<string>());
            Assert.Equal(2, row["runs"]!.GetValue<int>());
            // The row's mean and sample std (ddof 1) of each metric, by hand from its column's two cells: (a + b) / 2,
            // |a − b| / √2.
            var own = cells.Where(c => Column(c!) == Column(row)).ToList();
            Assert.Equal(2, own.Count);
            foreach (var metric in new[] { "accuracy", "macro_f1", "uar" })
            {
                double a = own[0]![metric]!.GetValue<double>(),
                    b = own[1]![metric]!.GetValue<double>();
                Assert.Equal((a + b) / 2, row[metric]!["mean"]!.GetValue<double>(), 12);
                Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), row[metric]!["std"]!.GetValue<double>(), 12);
            }
        }
        Assert.Equal(
            new[] { "baseline", "byol", "contrastive", "contrastive" },
            rows.Select(r => r!["method"]!.GetValue<string>()).Order()
        );
        Assert.Equal(8, cells.Count);
        Assert.All(cells, c => Assert.Equal("ok", c!["status"]!.GetValue<string>()));
        // Every cell's accuracy is what its predictions.csv says (recomputed here).
        foreach (var c in cells)
        {
            var csv = Path.Combine(
                output.Path,
                c!["run_dir"]!.GetValue<string>(),
                "eval",
                "manifest",
                "predictions.csv"
            );
            var lines = TestCsv.Named(csv);
            Assert.Equal(c["n"]!.GetValue<int>(), lines.Count);
            Assert.Equal(
                lines.Count(l => l["truth"] == l["predicted"]) / (double)lines.Count,
                c["accuracy"]!.GetValue<double>(),
                9
            );
        }
        var protocol = results["protocol"]!;
        Assert.Equal(
            new[] { "angry", "happy", "neutral", "sad" },
            protocol["label_map"]!.AsArray().Select(l => l!.GetValue<string>())
        );
        Assert.Equal(16, protocol["split_hash"]!.GetValue<string>().Length);

        // report.md and plots.
        var md = File.ReadAllText(Path.Combine(output.Path, "report.md"));
        Assert.Contains("Baseline", md);
        Assert.Contains("BYOL", md);
        foreach (var png in Directory.GetFiles(Path.Combine(output.Path, "plots"), "*.png"))
            Assert.Contains("plots/" + Path.GetFileName(png), md);
        Assert.True(File.Exists(Path.Combine(output.Path, "plots", "tsne_manifest.png")));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(output.Path, "plots"), "confusion_*.png").Length);
        Assert.Contains("Baseline", ReportTables.Table1Text(report));

        // Refused without --resume; with it, finished cells are skipped and the numbers are the same.
        Assert.Throws<Emolingua.Util.EmolinguaException>(() => ExperimentRunner.Run(grid, options));
        var modelFile = Path.Combine(output.Path, "runs", "byol", "fold1-seed0", "model", "model.safetensors");
        var stamp = File.GetLastWriteTimeUtc(modelFile);
        log.Clear();
        var again = ExperimentRunner.Run(grid, options with { Resume = true });
        Assert.Equal(8, log.Count(l => l.EndsWith("done earlier")));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(modelFile));
        Assert.Equal(report.Results.Select(r => r.Accuracy.Mean), again.Results.Select(r => r.Accuracy.Mean));

        // predict works on a model the grid trained.
        using var recognizer = EmotionRecognizer.Load(Path.Combine(output.Path, "runs", "contrastive", "fold2-seed0"));
        var p = recognizer.Predict(Path.Combine(_data.Root, "en", "s2_1_sad_1.wav"));
        Assert.Contains(p.Label, new[] { "angry", "happy", "neutral", "sad" });
    }
}
