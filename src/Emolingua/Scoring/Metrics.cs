using System.Text.Json.Serialization;

namespace Emolingua.Scoring;

/// <summary>Precision, recall and F1 of one class (one-vs-rest), with its support (count in y_true).</summary>
public sealed record ClassMetrics(double Precision, double Recall, double F1, int Support)
{
    /// <summary>The class's name, where a report lists classes by name (results.json per_class); null from
    /// <see cref="Metrics.Compute"/>.</summary>
    [JsonPropertyOrder(-1)]
    public string? Label { get; init; }
}

/// <summary>Accuracy of one group of samples (a gender, a speaker) and how many samples it covers.</summary>
public sealed record GroupAccuracy(double Accuracy, [property: JsonPropertyName("n")] int Count);

/// <summary>A point estimate with a percentile bootstrap confidence interval.</summary>
public sealed record ConfidenceInterval(double Estimate, double Lower, double Upper);

/// <summary>Bootstrap confidence intervals of the three headline metrics, computed on the same resamples.</summary>
public sealed record BootstrapResult(
    ConfidenceInterval Accuracy,
    ConfidenceInterval MacroF1,
    ConfidenceInterval Uar,
    int Resamples,
    double Confidence,
    int Seed
);

/// <summary>Everything computed from one (y_true, y_pred) pair.</summary>
public sealed record ClassificationSummary(
    int Count,
    double Accuracy,
    double MacroF1,
    double Uar,
    int[][] ConfusionMatrix,
    ClassMetrics[] PerClass
);

/// <summary>
/// Classification metrics with scikit-learn semantics (spec §8): macro F1 over ALL <c>numClasses</c> classes with
/// F1 = 0 where P + R = 0 (sklearn <c>f1_score(labels=range(C), average="macro", zero_division=0)</c>); UAR = mean
/// recall over the classes present in y_true (sklearn <c>balanced_accuracy_score</c>). All pure .NET.
/// </summary>
public static class Metrics
{
    /// <summary>Confusion matrix indexed [true, pred] (rows = truth, as sklearn).</summary>
    public static int[][] ConfusionMatrix(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses)
    {
        Validate(yTrue, yPred, numClasses);
        var cm = new int[numClasses][];
        for (var c = 0; c < numClasses; c++)
            cm[c] = new int[numClasses];
        for (var i = 0; i < yTrue.Length; i++)
            cm[yTrue[i]][yPred[i]]++;
        return cm;
    }

    public static double Accuracy(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        if (yTrue.Length != yPred.Length)
            throw new ArgumentException($"y_true has {yTrue.Length} labels, y_pred {yPred.Length}");
        if (yTrue.Length == 0)
            throw new ArgumentException("no samples");
        var hits = 0;
        for (var i = 0; i < yTrue.Length; i++)
        {
            if (yTrue[i] == yPred[i])
                hits++;
        }

        return (double)hits / yTrue.Length;
    }

    public static double MacroF1(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses) =>
        MacroF1(ConfusionMatrix(yTrue, yPred, numClasses));

    public static double Uar(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses) =>
        Uar(ConfusionMatrix(yTrue, yPred, numClasses));

    public static ClassMetrics[] PerClass(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses) =>
        PerClass(ConfusionMatrix(yTrue, yPred, numClasses));

    public static ClassificationSummary Compute(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses)
    {
        var cm = ConfusionMatrix(yTrue, yPred, numClasses);
        return new ClassificationSummary(yTrue.Length, AccuracyOf(cm), MacroF1(cm), Uar(cm), cm, PerClass(cm));
    }

    /// <summary>Per-class metrics from a [true, pred] count matrix; 0 wherever a denominator is 0 (sklearn
    /// zero_division=0).</summary>
    public static ClassMetrics[] PerClass(int[][] cm)
    {
        var c = cm.Length;
        var result = new ClassMetrics[c];
        for (var k = 0; k < c; k++)
        {
            int tp = cm[k][k],
                support = 0,
                predicted = 0;
            for (var j = 0; j < c; j++)
            {
                support += cm[k][j];
                predicted += cm[j][k];
            }
            var p = predicted == 0 ? 0 : (double)tp / predicted;
            var r = support == 0 ? 0 : (double)tp / support;
            var f = p + r == 0 ? 0 : 2 * p * r / (p + r);
            result[k] = new ClassMetrics(p, r, f, support);
        }
        return result;
    }

    /// <summary>Mean F1 over all classes of the matrix (absent classes count as F1 = 0, as with sklearn
    /// labels=all).</summary>
    public static double MacroF1(int[][] cm) => PerClass(cm).Average(m => m.F1);

    /// <summary>Mean recall over classes with support > 0 (balanced_accuracy excludes classes absent from
    /// y_true).</summary>
    public static double Uar(int[][] cm)
    {
        var present = PerClass(cm).Where(m => m.Support > 0).ToArray();
        if (present.Length == 0)
            throw new ArgumentException("no samples");
        return present.Average(m => m.Recall);
    }

    public static double AccuracyOf(int[][] cm)
    {
        long hits = 0,
            total = 0;
        for (var i = 0; i < cm.Length; i++)
        {
            for (var j = 0; j < cm.Length; j++)
            {
                total += cm[i][j];
                if (i == j)
                    hits += cm[i][j];
            }
        }

        if (total == 0)
            throw new ArgumentException("no samples");
        return (double)hits / total;
    }

    /// <summary>
    /// Accuracy per group key (e.g. "female"/"male"/"unknown" or speaker ids), ordinal-sorted by key.
    /// </summary>
    public static SortedDictionary<string, GroupAccuracy> AccuracyByGroup(
        ReadOnlySpan<int> yTrue,
        ReadOnlySpan<int> yPred,
        IReadOnlyList<string> groups
    )
    {
        if (yTrue.Length != yPred.Length || yTrue.Length != groups.Count)
        {
            throw new ArgumentException(
                $"lengths differ: y_true {yTrue.Length}, y_pred {yPred.Length}, groups {groups.Count}"
            );
        }

        var hits = new Dictionary<string, (int Hits, int N)>(StringComparer.Ordinal);
        for (var i = 0; i < yTrue.Length; i++)
        {
            hits.TryGetValue(groups[i], out var h);
            hits[groups[i]] = (h.Hits + (yTrue[i] == yPred[i] ? 1 : 0), h.N + 1);
        }
        var result = new SortedDictionary<string, GroupAccuracy>(StringComparer.Ordinal);
        foreach (var (k, v) in hits)
            result[k] = new GroupAccuracy((double)v.Hits / v.N, v.N);
        return result;
    }

    /// <summary>Per-speaker accuracy; same as <see cref="AccuracyByGroup"/> with speaker ids as the groups.</summary>
    public static SortedDictionary<string, GroupAccuracy> AccuracyBySpeaker(
        ReadOnlySpan<int> yTrue,
        ReadOnlySpan<int> yPred,
        IReadOnlyList<string> speakers
    ) => AccuracyByGroup(yTrue, yPred, speakers);

    /// <summary>
    /// Percentile bootstrap CI (resample the test samples with replacement, recompute each metric, take the
    /// (1-conf)/2 and (1+conf)/2 quantiles with numpy's default linear interpolation). Deterministic per seed:
    /// seeded System.Random is a fixed algorithm across platforms and runtimes.
    /// </summary>
    public const int DefaultResamples = 1000;

    public static BootstrapResult Bootstrap(
        ReadOnlySpan<int> yTrue,
        ReadOnlySpan<int> yPred,
        int numClasses,
        int resamples = DefaultResamples,
        int seed = 0,
        double confidence = 0.95
    )
    {
        if (resamples < 1)
            throw new ArgumentOutOfRangeException(nameof(resamples));
        if (confidence is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(confidence));
        var point = Compute(yTrue, yPred, numClasses);
        var n = yTrue.Length;
        var rng = new Random(seed);
        var acc = new double[resamples];
        var f1 = new double[resamples];
        var uar = new double[resamples];
        var cm = new int[numClasses][];
        for (var c = 0; c < numClasses; c++)
            cm[c] = new int[numClasses];
        for (var b = 0; b < resamples; b++)
        {
            foreach (var row in cm)
                Array.Clear(row);
            for (var i = 0; i < n; i++)
            {
                var k = rng.Next(n);
                cm[yTrue[k]][yPred[k]]++;
            }
            acc[b] = AccuracyOf(cm);
            f1[b] = MacroF1(cm);
            uar[b] = Uar(cm);
        }
        double lo = (1 - confidence) / 2,
            hi = 1 - lo;
        ConfidenceInterval Ci(double estimate, double[] values)
        {
            Array.Sort(values);
            return new ConfidenceInterval(estimate, Quantile(values, lo), Quantile(values, hi));
        }
        return new BootstrapResult(
            Ci(point.Accuracy, acc),
            Ci(point.MacroF1, f1),
            Ci(point.Uar, uar),
            resamples,
            confidence,
            seed
        );
    }

    /// <summary>Quantile of sorted values, linear interpolation between order statistics (numpy "linear", the
    /// default).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
            throw new ArgumentException("no values");
        var pos = q * (sorted.Length - 1);
        var i = (int)Math.Floor(pos);
        if (i >= sorted.Length - 1)
            return sorted[^1];
        var frac = pos - i;
        return sorted[i] + (sorted[i + 1] - sorted[i]) * frac;
    }

    private static void Validate(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses)
    {
        if (numClasses < 1)
            throw new ArgumentOutOfRangeException(nameof(numClasses));
        if (yTrue.Length != yPred.Length)
            throw new ArgumentException($"y_true has {yTrue.Length} labels, y_pred {yPred.Length}");
        if (yTrue.Length == 0)
            throw new ArgumentException("no samples");
        for (var i = 0; i < yTrue.Length; i++)
        {
            if ((uint)yTrue[i] >= (uint)numClasses)
                throw new ArgumentException($"y_true[{i}] = {yTrue[i]} is outside 0..{numClasses - 1}");
            if ((uint)yPred[i] >= (uint)numClasses)
                throw new ArgumentException($"y_pred[{i}] = {yPred[i]} is outside 0..{numClasses - 1}");
        }
    }
}
