using Emolingua.Features.Acoustic;
using Emolingua.Models;
using Emolingua.Util;

namespace Emolingua.Training.Acoustic;

/// <summary>
/// Trains the acoustic reference baseline: <see cref="AcousticFeatures"/> of the English training clips, z-scored
/// with their own mean and population std, then a class-balanced L2 multinomial logistic regression
/// (<see cref="LogisticRegression"/>, C = 1 as scikit-learn's default).
/// </summary>
public static class AcousticTraining
{
    public const double InverseRegularisation = 1.0;

    /// <param name="features">[n][<see cref="AcousticFeatures.Names"/>] raw functionals of the training clips</param>
    /// <param name="labels">class index of each clip</param>
    public static AcousticClassifier Train(
        IReadOnlyList<double[]> features,
        IReadOnlyList<int> labels,
        IReadOnlyList<string> classNames,
        IReadOnlyList<string>? featureNames = null
    )
    {
        if (features.Count == 0)
            throw new ArgumentException("no training clips for the acoustic baseline");
        var d = features[0].Length;
        var mean = Enumerable.Range(0, d).Select(j => features.Average(r => r[j])).ToArray();
        var scale = Enumerable
            .Range(0, d)
            .Select(j =>
            {
                var std = Math.Sqrt(features.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])));
                return std > 1e-12 ? std : 1; // a constant feature stays at 0 after centring
            })
            .ToArray();
        var z = features.Select(r => r.Select((v, j) => (v - mean[j]) / scale[j]).ToArray()).ToList();
        var missing = classNames.Where((_, c) => !labels.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new EmolinguaException(
                $"acoustic baseline: no English training clips of {string.Join(", ", missing)} (class-balanced training needs every class)"
            );
        }

        var weights = LogisticRegression.BalancedWeights(labels, classNames.Count);
        var fit = LogisticRegression.Train(z, labels, classNames.Count, InverseRegularisation, weights);
        return new AcousticClassifier
        {
            Labels = classNames.ToArray(),
            FeatureNames = (featureNames ?? AcousticFeatures.Names).ToArray(),
            Mean = mean,
            Scale = scale,
            Weights = fit.Weights,
            Bias = fit.Bias,
            Training = new()
            {
                ["objective"] =
                    "class-balanced multinomial cross-entropy + 0.5/C * ||W||^2 (intercepts unpenalised), as scikit-learn LogisticRegression",
                ["C"] = InverseRegularisation,
                ["class_weight"] = "balanced",
                ["optimiser"] = "Newton with backtracking",
                ["iterations"] = fit.Iterations,
                ["objective_value"] = fit.Objective,
                ["gradient_max"] = fit.GradientMax,
                ["clips"] = features.Count,
            },
        };
    }
}
