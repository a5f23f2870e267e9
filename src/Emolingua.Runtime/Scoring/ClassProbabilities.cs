namespace Emolingua.Scoring;

/// <summary>
/// Decisions and losses on rows of class probabilities, written once for every caller: the clip scorer, evaluation,
/// validation during training and calibration.
/// </summary>
public static class ClassProbabilities
{
    /// <summary>The floor of <see cref="NegativeLogLikelihood"/>: a true class given probability 0 costs −log(1e-12),
    /// not infinity.</summary>
    public const double Floor = 1e-12;

    /// <summary>The index of the largest value (the first one on a tie).</summary>
    public static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    /// <summary>Mean negative log-likelihood of the true classes, −mean log max(p[truth],
    /// <see cref="Floor"/>).</summary>
    public static double NegativeLogLikelihood(IReadOnlyList<float[]> probabilities, IReadOnlyList<int> truth)
    {
        if (probabilities.Count != truth.Count)
            throw new ArgumentException($"{probabilities.Count} rows but {truth.Count} labels");
        return probabilities.Select((row, i) => -Math.Log(Math.Max(row[truth[i]], Floor))).Average();
    }
}
