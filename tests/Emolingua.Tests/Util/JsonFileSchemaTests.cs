using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emolingua.Corpora;
using Emolingua.Evaluation;
using Emolingua.Experiments;
using Emolingua.Models;
using Emolingua.Scoring;
using Emolingua.Tests.Training;
using Emolingua.Training;
using Emolingua.Training.FewShot;
using Emolingua.Util;

namespace Emolingua.Tests.Util;

/// <summary>
/// Every JSON file Emolingua writes, written by its real writer, against the schema README's "File schemas" section
/// documents: a key written but not documented fails, and so does a documented key that is not written (keys marked
/// "?" may be absent). Paths are dotted; "*" stands for the keys of a map keyed by data (genders, speakers, stages),
/// "[]" for the elements of a list of objects.
/// </summary>
public class JsonFileSchemaTests
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];

    [Theory]
    [InlineData("metrics.json")]
    [InlineData("results.json")]
    [InlineData("summary.json")]
    [InlineData("cells.json")]
    [InlineData("calibration.json")]
    [InlineData("adaptation.json")]
    [InlineData("attempt.json")]
    public void WrittenKeysAreTheDocumentedKeys(string file)
    {
        var documented = DocumentedKeys()[file];
        using var dir = new TempDir();
        var written = Flatten(JsonNode.Parse(File.ReadAllText(Write(file, dir.Path)))!, "", documented.Keys.ToList());
        var undocumented = written.Where(k => !documented.ContainsKey(k)).ToList();
        var missing = documented.Where(d => !d.Value && !written.Contains(d.Key)).Select(d => d.Key).ToList();
        Assert.True(
            undocumented.Count == 0 && missing.Count == 0,
            $"{file}: written but not in README: [{string.Join(", ", undocumented)}]; in README but not written: [{string.Join(", ", missing)}]"
        );
    }

    /// <summary>
    /// Folders written before one naming policy still load: a plan (cells.json) as the earlier code wrote it, with its
    /// leaked "PathIn" key, and a results.json cell whose status is a string. (tests/fixtures holds no old run
    /// folders.)
    /// </summary>
    [Fact]
    public void EarlierFilesStillLoad()
    {
        using var dir = new TempDir();
        File.WriteAllText(
            dir.File("cells.json"),
            """
            {
              "name": "demo", "recipe": "/r/experiment.json", "data": "/data", "device": "cpu",
              "cells": [ { "cell": 0, "entry": 1, "column": "contrastive", "tag": "de", "method": "contrastive", "fold": 2, "seed": 3,
                           "run_dir": "runs/contrastive/fold2-seed3", "evaluate": [ "emodb" ] } ],
              "PathIn": "/old/out/cells.json"
            }
            """
        );
        var plan = ExperimentPlan.Load(dir.Path);
        var cell = Assert.Single(plan.Cells);
        Assert.Equal(
            ("demo", "/data", 1, "contrastive", "de", 2, 3, "runs/contrastive/fold2-seed3"),
            (plan.Name, plan.DataDir, cell.Entry, cell.Method, cell.Tag, cell.Fold, cell.Seed, cell.RunDir)
        );
        Assert.Equal(["emodb"], cell.Evaluate);

        var cells = System.Text.Json.JsonSerializer.Deserialize<List<Cell>>(
            """
            [ { "method": "byol", "corpus": "urdu", "fold": 1, "seed": 0, "status": "failed", "error": "boom" },
              { "method": "baseline", "corpus": "urdu", "fold": 1, "seed": 0, "status": "ok", "n": 2, "accuracy": 0.5,
                "gender_accuracy": { "female": { "accuracy": 0.5, "n": 2 } },
                "per_class": [ { "label": "angry", "precision": 1, "recall": 0.5, "f1": 0.6667, "support": 2 } ] } ]
            """,
            Json.Indented
        )!;
        Assert.Equal([CellStatus.Failed, CellStatus.Ok], cells.Select(c => c.Status));
        Assert.Equal(new GroupAccuracy(0.5, 2), cells[1].GenderAccuracy!["female"]);
        Assert.Equal(
            ("angry", 0.5, 2),
            (cells[1].PerClass![0].Label, cells[1].PerClass![0].Recall, cells[1].PerClass![0].Support)
        );
        Assert.Equal(2, cells[1].Count);
    }

    /// <summary>Writes <paramref name="file"/> into <paramref name="dir"/> through the code that writes it for users;
    /// returns its path.</summary>
    private static string Write(string file, string dir)
    {
        var path = Path.Combine(dir, file);
        switch (file)
        {
            case "metrics.json":
                EvaluationWriter.SaveReport(
                    dir,
                    EvaluationResult.Of(
                        TestPredictions(),
                        "baseline",
                        "emodb",
                        1,
                        0,
                        runDir: "/runs/b",
                        speakersAndBootstrap: true
                    ),
                    new EvaluationSource("/runs/b/model", "/data/emodb", 1, 5, 0)
                );
                break;
            case "results.json":
            {
                var p = TestPredictions();
                var cells = new List<Cell>
                {
                    Cell.FromPredictions(
                        "contrastive",
                        "emodb",
                        1,
                        0,
                        p.Truth,
                        p.Predicted,
                        Labels,
                        p.Utterances.Select(u => u.Gender.Name()).ToList(),
                        variant: "contrastive:target",
                        runDir: "runs/c"
                    ),
                    Cell.Failed("byol", "emodb", 1, 0, "out of memory", runDir: "runs/b"),
                };
                var protocol = new Protocol
                {
                    Folds = 5,
                    Seeds = [0],
                    SplitHash = "abc",
                    Recipe = "/r.json",
                    EmolinguaVersion = "1.0",
                    Extra = new() { ["folds_run"] = "1", ["fold_seed"] = 0 },
                };
                var report = ExperimentReport.Build(protocol, cells); // as ExperimentReporter builds it
                var fewShot = new FewShotCell
                {
                    Method = "contrastive",
                    Variant = "contrastive:target",
                    Corpus = "emodb",
                    K = 1,
                    Fold = 1,
                    Draw = 0,
                    Mode = AdaptationMode.Head,
                    Shots = 4,
                    Count = 8,
                    Accuracy = 0.5,
                    MacroF1 = 0.4,
                    Uar = 0.5,
                };
                report.FewShot = FewShotCurves.Build([fewShot], report.Results);
                report.Save(path);
                break;
            }
            case "summary.json":
            {
                var values = new Dictionary<string, double>
                {
                    ["accuracy"] = 0.5,
                    ["macro_f1"] = 0.4,
                    ["uar"] = 0.45,
                    ["loss"] = 1.2,
                };
                var summary = RunSummary.Of(
                    TinyCorpora.Recipe("contrastive"),
                    [
                        new StageResult(
                            "contrastive-stage1",
                            10,
                            2,
                            5,
                            false,
                            new Dictionary<string, double> { ["loss"] = 2 },
                            new Dictionary<string, double> { ["loss"] = 2.1 }
                        ),
                        new StageResult("contrastive-stage2", 20, 2, 15, true, values, values),
                    ]
                );
                Json.Save(path, summary);
                break;
            }
            case "cells.json":
            {
                var plan = new ExperimentPlan
                {
                    Name = "grid",
                    Recipe = "/r.json",
                    DataDir = "/data",
                    Device = "cpu",
                    Cells =
                    [
                        new GridCell
                        {
                            Index = 0,
                            Entry = 0,
                            Column = "baseline",
                            Tag = "t",
                            Method = "baseline",
                            Fold = 1,
                            Seed = 0,
                            RunDir = "runs/baseline/fold1-seed0",
                            Evaluate = ["emodb"],
                        },
                    ],
                };
                // ExperimentPlan.Save's serialisation
                AtomicFile.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(plan, Json.Indented));
                break;
            }
            case "calibration.json":
                ModelBundle.WriteCalibration(
                    dir,
                    new TemperatureScaling.Fit(1.5, 1.2, 1.0, 0.1, 0.05, 10, 12),
                    "english_validation"
                );
                break;
            case "adaptation.json":
                Json.Save(
                    path,
                    new AdaptationRecord(
                        "/runs/b/model",
                        AdaptationMode.Head,
                        "emodb",
                        "/data/emodb",
                        1,
                        2,
                        8,
                        0,
                        new HeadOptions(),
                        null
                    )
                    {
                        ShotIds = ["a"],
                        ShotPaths = ["/data/a.wav"],
                    }
                ); // Adaptation.Run's serialisation
                break;
            case "attempt.json":
            {
                var owner = new CellOwner
                {
                    Host = "node1",
                    Pid = 42,
                    PidStart = 7,
                    Job = "12_3",
                    Restart = 1,
                    Log = "/logs/12_3.out",
                    Started = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
                };
                CellAttempt.Start(dir, owner);
                CellAttempt.Record(dir, CellAttempt.StateFailed, owner, "boom");
                break;
            }
            default:
                throw new ArgumentException(file);
        }
        return path;
    }

    private static Predictions TestPredictions()
    {
        var utterances = Enumerable
            .Range(0, 8)
            .Select(i => new Utterance(
                $"u{i}",
                $"/data/u{i}.wav",
                "emodb",
                "de",
                i < 4 ? "03" : "08",
                i % 2 == 0 ? Gender.Female : Gender.Male,
                null,
                "W",
                (Emotion)(i % 4),
                1.0
            ))
            .ToList();
        int[] truth = utterances.Select(u => (int)u.Label!.Value).ToArray(),
            predicted = [0, 1, 2, 2, 0, 0, 2, 3];
        var probabilities = predicted
            .Select(p => Enumerable.Range(0, 4).Select(c => c == p ? 0.7f : 0.1f).ToArray())
            .ToArray();
        return new Predictions(utterances, truth, predicted, probabilities, null) { Temperature = 1.5 };
    }

    /// <summary>Every key path of <paramref name="node"/>'s leaves; objects whose path is documented with ".*" are
    /// maps.</summary>
    private static HashSet<string> Flatten(JsonNode node, string path, IReadOnlyList<string> documented)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string p)
        {
            switch (n)
            {
                case JsonObject obj:
                    var map = documented.Any(d =>
                        d.StartsWith(p + ".*", StringComparison.Ordinal)
                        || (p.Length == 0 && d.StartsWith("*", StringComparison.Ordinal))
                    );
                    foreach (var (key, child) in obj)
                    {
                        Walk(
                            child,
                            map ? p + ".*"
                                : p.Length == 0 ? key
                                : $"{p}.{key}"
                        );
                    }

                    break;
                case JsonArray array when array.Any(e => e is JsonObject):
                    foreach (var element in array)
                        Walk(element, p + "[]");
                    break;
                default:
                    keys.Add(p);
                    break;
            }
        }
        Walk(node, path);
        return keys;
    }

    /// <summary>README "File schemas": per file, its documented key paths (true when marked optional with
    /// "?").</summary>
    private static Dictionary<string, Dictionary<string, bool>> DocumentedKeys()
    {
        string? readme = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null && readme == null; d = d.Parent)
        {
            if (
                File.Exists(Path.Combine(d.FullName, "README.md"))
                && File.Exists(Path.Combine(d.FullName, "Emolingua.slnx"))
            )
            {
                readme = Path.Combine(d.FullName, "README.md");
            }
        }

        var text = File.ReadAllText(readme ?? throw new FileNotFoundException("README.md"));
        var start = text.IndexOf("\n## File schemas", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no '## File schemas' section");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = text[start..(end < 0 ? text.Length : end)];
        var result = new Dictionary<string, Dictionary<string, bool>>();
        foreach (
            Match entry in Regex.Matches(
                section,
                @"^- `([a-z_.]+\.json)`[^:]*:(.*?)(?=^- `|^\s*$|\z)",
                RegexOptions.Multiline | RegexOptions.Singleline
            )
        )
        {
            result[entry.Groups[1].Value] = Regex
                .Matches(entry.Groups[2].Value, "`([^`]+)`")
                .Select(m => m.Groups[1].Value)
                .ToDictionary(k => k.TrimEnd('?'), k => k.EndsWith('?'));
        }

        return result;
    }
}
