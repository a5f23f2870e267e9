using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Models;

/// <summary>
/// The acoustic reference baseline's model: z-scored utterance functionals (means and scales of the English
/// training set) into a multinomial logistic regression, p = softmax(W·z + b). Saved as one JSON file a person can
/// read.
/// </summary>
public sealed class AcousticClassifier
{
    public const string Format = "emolingua-acoustic-logreg";

    [JsonPropertyName("format")]
    public string FormatName { get; set; } = Format;
    public string[] Labels { get; set; } = [];

    [JsonPropertyName("features")]
    public string[] FeatureNames { get; set; } = [];

    /// <summary>Training-set mean of each feature.</summary>
    public double[] Mean { get; set; } = [];

    /// <summary>Training-set population std of each feature (1 where a feature is constant).</summary>
    public double[] Scale { get; set; } = [];

    /// <summary>[classes][features], on standardised features.</summary>
    public double[][] Weights { get; set; } = [];
    public double[] Bias { get; set; } = [];

    /// <summary>How it was trained (regularisation, class weights, optimiser, iterations).</summary>
    public Dictionary<string, object?> Training { get; set; } = new();

    /// <summary>Class probabilities of one clip's raw (unstandardised) features.</summary>
    public double[] Probabilities(IReadOnlyList<double> features)
    {
        if (features.Count != Mean.Length)
            throw new ArgumentException($"{features.Count} features given, the model reads {Mean.Length}");
        var z = features.Select((v, j) => (v - Mean[j]) / Scale[j]).ToArray();
        return Softmax(Weights.Select((w, c) => Bias[c] + Dot(w, z)).ToArray());
    }

    public static double[] Softmax(double[] logits)
    {
        var max = logits.Max();
        var e = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
            s += a[i] * b[i];
        return s;
    }

    public void Save(string path) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Util.Json.Indented) + "\n");

    public static AcousticClassifier Load(string path)
    {
        AcousticClassifier? model;
        try
        {
            model = JsonSerializer.Deserialize<AcousticClassifier>(File.ReadAllText(path), Util.Json.Indented);
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, $"not a valid acoustic model ({e.Message})");
        }
        if (model?.FormatName != Format)
            throw new EmolinguaException(path, $"not an acoustic model (format is not '{Format}')");
        var d = model.Mean.Length;
        if (
            model.Scale.Length != d
            || model.FeatureNames.Length != d
            || model.Weights.Length != model.Labels.Length
            || model.Bias.Length != model.Labels.Length
            || model.Weights.Any(w => w.Length != d)
        )
        {
            throw new EmolinguaException(path, "acoustic model arrays disagree in size");
        }

        return model;
    }
}
