using System.Globalization;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Util;

namespace Emolingua.Evaluation;

/// <summary>A trained model's predictions on a corpus's test utterances, with what the report needs.</summary>
public sealed record Predictions(IReadOnlyList<Utterance> Utterances, int[] Truth, int[] Predicted, float[][] Probabilities, float[][]? Embeddings)
{
    public static readonly string[] Labels = Emotions.All.Select(e => e.Name()).ToArray();

    public Cell ToCell(string method, string corpus, int fold, int seed, string? variant = null, string? runDir = null) =>
        Cell.FromPredictions(method, corpus, fold, seed, Truth, Predicted, Labels,
            Utterances.Select(u => u.Gender.ToString().ToLowerInvariant()).ToList(), variant, runDir);

    /// <summary>predictions.csv: id, path, speaker, gender, truth, predicted, and one probability column per class.</summary>
    public void SaveCsv(string path) =>
        CsvFiles.Write(path, ["id", "path", "speaker", "gender", "truth", "predicted", .. Labels.Select(l => "p_" + l)],
            Utterances.Select((u, i) => (IReadOnlyList<string>)
            [
                u.Id, u.Path, u.Speaker, u.Gender.ToString().ToLowerInvariant(), Labels[Truth[i]], Labels[Predicted[i]],
                .. Probabilities[i].Select(p => p.ToString("0.######", CultureInfo.InvariantCulture)),
            ]));

    /// <summary>The truth column of a predictions.csv written by <see cref="SaveCsv"/>, as class indices.</summary>
    public static List<int> ReadTruth(string path)
    {
        using var csv = CsvFiles.Open(path);
        int truth = CsvFiles.Column(csv, "truth");
        if (truth < 0) throw new EmolinguaException(path, "no 'truth' column");
        var labels = new List<int>();
        while (csv.Read()) labels.Add(Array.IndexOf(Labels, CsvFiles.Field(csv, truth)));
        return labels;
    }
}

public static class ZeroShotEvaluation
{
    /// <summary>Runs a model on labelled utterances (windowed as <see cref="AudioWindows"/>; probabilities averaged per clip).</summary>
    public static Predictions Run(IEmotionEngine engine, IReadOnlyList<Utterance> utterances, WaveformStore store, bool embeddings = false)
    {
        var labelled = utterances.Where(u => u.Label != null).ToList();
        if (labelled.Count == 0) throw new EmolinguaException("evaluation: no labelled utterances to evaluate");
        var windows = AudioWindows.Plan(labelled.Select(u => store.Get(u.Path)).ToList(), WhisperAudio.SamplesFor(engine.Seconds));
        var (probs, emb) = engine.Classify(windows.Select(w => w.Samples).ToList(), embeddings);
        var probabilities = AudioWindows.MeanByClip(windows, probs, labelled.Count);
        var truth = labelled.Select(u => (int)u.Label!.Value).ToArray();
        var predicted = probabilities.Select(p => Array.IndexOf(p, p.Max())).ToArray();
        return new Predictions(labelled, truth, predicted, probabilities, emb == null ? null : AudioWindows.MeanByClip(windows, emb, labelled.Count));
    }
}
