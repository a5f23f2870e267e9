using System.Text.Json;
using System.Text.Json.Nodes;
using Emolingua.Corpora;
using Emolingua.Scoring;
using Emolingua.Util;

namespace Emolingua.Evaluation;

/// <summary>One model evaluated on one labelled set (a corpus or one fold of it): its predictions and their
/// metrics.</summary>
public sealed record EvaluationResult(Predictions Predictions, Cell Cell)
{
    /// <summary>Scores <paramref name="predictions"/> as the cell of (method, corpus, fold, seed).</summary>
    /// <param name="speakersAndBootstrap">See <see cref="Predictions.ToCell"/>: true for a stand-alone evaluation's
    /// report.</param>
    public static EvaluationResult Of(
        Predictions predictions,
        string method,
        string corpus,
        int fold,
        int seed,
        string? variant = null,
        string? runDir = null,
        bool speakersAndBootstrap = false
    ) => new(predictions, predictions.ToCell(method, corpus, fold, seed, variant, runDir, speakersAndBootstrap));

    /// <summary>The headline numbers as one JSON line: corpus, n, accuracy, macro F1, UAR, the model's temperature and
    /// ECE before and after it.</summary>
    public JsonObject Summary()
    {
        var calibration = Predictions.Calibration();
        return new()
        {
            ["corpus"] = Cell.Corpus,
            ["n"] = Cell.Count,
            ["accuracy"] = Cell.Accuracy,
            ["macro_f1"] = Cell.MacroF1,
            ["uar"] = Cell.Uar,
            ["temperature"] = calibration.Temperature,
            ["ece_before"] = Math.Round(calibration.EceBefore, 6),
            ["ece_after"] = Math.Round(calibration.EceAfter, 6),
        };
    }
}

/// <summary>Where an evaluation's data came from, for metrics.json's provenance fields.</summary>
/// <param name="Fold">The fold evaluated (1-based), or null for the whole corpus.</param>
public sealed record EvaluationSource(string Model, string CorpusRoot, int? Fold, int Folds, int FoldSeed);

/// <summary>
/// The files of an evaluation. Every evaluation keeps its predictions (predictions.csv, and embeddings.npy when they
/// were computed); a stand-alone evaluation adds its report: metrics.json (the cell, bootstrap 95 % intervals,
/// per-speaker accuracy, provenance), confusion_matrix.json and .png (rows truth, columns prediction) and gender.md.
/// </summary>
public static class EvaluationWriter
{
    public static void SavePredictions(string dir, Predictions predictions)
    {
        Directory.CreateDirectory(dir);
        predictions.SaveCsv(Path.Combine(dir, "predictions.csv"));
        if (predictions.Embeddings is { } e)
        {
            Npy.WriteFloat32(
                Path.Combine(dir, "embeddings.npy"),
                e.SelectMany(r => r).ToArray(),
                e.Length,
                e[0].Length
            );
        }
    }

    public static void SaveReport(string dir, EvaluationResult result, EvaluationSource source)
    {
        var (preds, cell) = result;
        var labels = Predictions.Labels;
        Directory.CreateDirectory(dir);
        // with speaker_accuracy and bootstrap_95: see EvaluationResult.Of
        var metrics = JsonSerializer.SerializeToNode(cell, Json.Indented)!.AsObject();
        metrics["model"] = source.Model;
        metrics["corpus_root"] = source.CorpusRoot;
        metrics["calibration"] = JsonSerializer.SerializeToNode(preds.Calibration(), Json.Indented);
        metrics["protocol"] = new JsonObject
        {
            ["label_map"] = LabelArray(),
            ["fold"] = source.Fold,
            ["folds"] = source.Folds,
            ["fold_seed"] = source.FoldSeed,
            ["emolingua_version"] = VersionInfo.Version,
        };
        Json.Save(Path.Combine(dir, "metrics.json"), metrics);
        Json.Save(
            Path.Combine(dir, "confusion_matrix.json"),
            new JsonObject
            {
                ["labels"] = LabelArray(),
                ["rows"] = "truth",
                ["columns"] = "prediction",
                ["matrix"] = JsonSerializer.SerializeToNode(cell.ConfusionMatrix),
            },
            indented: false
        );
        EvaluationPlots.SaveConfusionMatrix(
            Path.Combine(dir, "confusion_matrix.png"),
            cell.ConfusionMatrix!,
            labels,
            $"{cell.Method} on {cell.Corpus}{(source.Fold is { } f ? $" fold {f}" : "")}"
        );
        AtomicFile.WriteAllText(Path.Combine(dir, "gender.md"), GenderTable(cell));
        SavePredictions(dir, preds);
    }

    private static JsonArray LabelArray() => new(Predictions.Labels.Select(l => (JsonNode)l).ToArray());

    private static string GenderTable(Cell cell) =>
        "| gender | accuracy | n |\n|---|---|---|\n"
        + string.Join(
            "\n",
            cell.GenderAccuracy!.Select(g => $"| {g.Key} | {g.Value.Accuracy:0.000} | {g.Value.Count} |")
        )
        + "\n";
}
