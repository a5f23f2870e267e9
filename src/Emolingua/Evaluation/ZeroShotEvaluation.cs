using System.Globalization;
using System.Text.Json.Serialization;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Scoring;
using Emolingua.Util;

namespace Emolingua.Evaluation;

/// <summary>How well a model's confidences match its accuracy on a test set, before and after temperature
/// scaling.</summary>
public sealed record CalibrationMetrics(
    double Temperature,
    [property: JsonPropertyName("ece_bins")] int Bins,
    double EceBefore,
    double EceAfter,
    double NllBefore,
    double NllAfter
);

/// <summary>
/// A trained model's predictions on a corpus's test utterances, with what the report needs. <see cref="Probabilities"/>
/// are the engine's calibrated ones; <see cref="UncalibratedProbabilities"/> the same at T = 1.
/// </summary>
public sealed record Predictions(
    IReadOnlyList<Utterance> Utterances,
    int[] Truth,
    int[] Predicted,
    float[][] Probabilities,
    float[][]? Embeddings
)
{
    public static readonly string[] Labels = Emotions.All.Select(e => e.Name()).ToArray();

    /// <summary>The engine's calibration temperature.</summary>
    public double Temperature { get; init; } = 1;

    /// <summary>Per-clip probabilities without temperature scaling (the mean of the windows'
    /// softmax(logits)).</summary>
    public float[][]? UncalibratedProbabilities { get; init; }

    /// <summary>Expected calibration error (<see cref="TemperatureScaling.EceBins"/> equal-width bins) and NLL, at T =
    /// 1 and at the model's T.</summary>
    public CalibrationMetrics Calibration()
    {
        var before = UncalibratedProbabilities ?? Probabilities;
        double Nll(float[][] p) => Scoring.ClassProbabilities.NegativeLogLikelihood(p, Truth);
        return new CalibrationMetrics(
            Temperature,
            TemperatureScaling.EceBins,
            TemperatureScaling.ExpectedCalibrationError(before, Truth),
            TemperatureScaling.ExpectedCalibrationError(Probabilities, Truth),
            Nll(before),
            Nll(Probabilities)
        );
    }

    /// <param name="speakersAndBootstrap">Adds per-speaker accuracy and bootstrap 95 % intervals
    /// (<see cref="Metrics.DefaultResamples"/> resamples): a stand-alone evaluation's metrics.json has them, an
    /// experiment's cells do not.</param>
    public Cell ToCell(
        string method,
        string corpus,
        int fold,
        int seed,
        string? variant = null,
        string? runDir = null,
        bool speakersAndBootstrap = false
    ) =>
        Cell.FromPredictions(
            method,
            corpus,
            fold,
            seed,
            Truth,
            Predicted,
            Labels,
            Utterances.Select(u => u.Gender.ToString().ToLowerInvariant()).ToList(),
            variant,
            runDir,
            speakersAndBootstrap ? Utterances.Select(u => u.Speaker).ToList() : null,
            speakersAndBootstrap ? Metrics.DefaultResamples : 0
        );

    /// <summary>predictions.csv: id, path, speaker, gender, truth, predicted, and one probability column per
    /// class.</summary>
    public void SaveCsv(string path) =>
        CsvFiles.Write(
            path,
            ["id", "path", "speaker", "gender", "truth", "predicted", .. Labels.Select(l => "p_" + l)],
            Utterances.Select(
                (u, i) =>
                    (IReadOnlyList<string>)
                        [
                            u.Id,
                            u.Path,
                            u.Speaker,
                            u.Gender.ToString().ToLowerInvariant(),
                            Labels[Truth[i]],
                            Labels[Predicted[i]],
                            .. Probabilities[i].Select(p => p.ToString("0.######", CultureInfo.InvariantCulture)),
                        ]
            )
        );

    /// <summary>The truth column of a predictions.csv written by <see cref="SaveCsv"/>, as class indices.</summary>
    public static List<int> ReadTruth(string path)
    {
        using var csv = CsvFiles.Open(path);
        var truth = CsvFiles.Column(csv, "truth");
        if (truth < 0)
            throw new EmolinguaException(path, "no 'truth' column");
        var labels = new List<int>();
        while (csv.Read())
            labels.Add(Array.IndexOf(Labels, CsvFiles.Field(csv, truth)));
        return labels;
    }
}

public static class ZeroShotEvaluation
{
    /// <summary>Runs a model on labelled utterances (<see cref="ClipScorer"/>: windows, probabilities averaged per
    /// clip).</summary>
    public static Predictions Run(
        IEmotionEngine engine,
        IReadOnlyList<Utterance> utterances,
        WaveformStore store,
        bool embeddings = false
    )
    {
        var labelled = utterances.Where(u => u.Label != null).ToList();
        if (labelled.Count == 0)
            throw new EmolinguaException("evaluation: no labelled utterances to evaluate");
        var scores = ClipScorer.Score(engine, labelled.Select(u => store.Get(u.Path)).ToList(), embeddings);
        var truth = labelled.Select(u => (int)u.Label!.Value).ToArray();
        // The engine reports calibrated probabilities only; the uncalibrated ones follow exactly from them (ECE
        // before/after).
        var uncalibrated =
            engine.Temperature == 1
                ? scores.Probabilities
                : scores.MeanByClip(
                    scores
                        .WindowProbabilities.Select(p => TemperatureScaling.Rescale(p, engine.Temperature, 1))
                        .ToList()
                );
        return new Predictions(labelled, truth, scores.Predicted, scores.Probabilities, scores.Embeddings)
        {
            Temperature = engine.Temperature,
            UncalibratedProbabilities = uncalibrated,
        };
    }
}
