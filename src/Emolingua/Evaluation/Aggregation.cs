using System.Text.Json.Serialization;

namespace Emolingua.Evaluation;

/// <summary>Mean and sample standard deviation over runs.</summary>
public sealed record MeanStd(double Mean, double Std);

/// <summary>
/// Aggregation over runs (seeds × folds). Std is the SAMPLE std (ddof = 1, as pandas): the runs are a sample of
/// possible training runs and the paper (5 runs) does not say which it used. With a single run the sample std is
/// undefined; we report 0 there (the "runs" count tells the reader).
/// </summary>
public static class Aggregation
{
    public const int StdDdof = 1;

    public static MeanStd MeanStd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0)
            throw new ArgumentException("no values to aggregate");
        var mean = v.Average();
        if (v.Length == 1)
            return new MeanStd(mean, 0);
        double ss = 0;
        foreach (var x in v)
            ss += (x - mean) * (x - mean);
        return new MeanStd(mean, Math.Sqrt(ss / (v.Length - StdDdof)));
    }

    /// <summary>Element-wise mean of count matrices (mean counts per run; not normalised).</summary>
    public static double[][] MeanMatrix(IEnumerable<int[][]> matrices)
    {
        var list = matrices.ToList();
        if (list.Count == 0)
            throw new ArgumentException("no matrices to average");
        var r = list[0].Length;
        var mean = new double[r][];
        for (var i = 0; i < r; i++)
        {
            var c = list[0][i].Length;
            mean[i] = new double[c];
            foreach (var m in list)
            {
                if (m.Length != r || m[i].Length != c)
                    throw new ArgumentException("confusion matrices differ in shape");
                for (var j = 0; j < c; j++)
                    mean[i][j] += m[i][j];
            }
            for (var j = 0; j < c; j++)
                mean[i][j] /= list.Count;
        }
        return mean;
    }

    /// <summary>a − b element-wise (Table 2: mean CM of contrastive − mean CM of baseline).</summary>
    public static double[][] Difference(double[][] a, double[][] b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException("matrices differ in shape");
        var d = new double[a.Length][];
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i].Length != b[i].Length)
                throw new ArgumentException("matrices differ in shape");
            d[i] = new double[a[i].Length];
            for (var j = 0; j < a[i].Length; j++)
                d[i][j] = a[i][j] - b[i][j];
        }
        return d;
    }

    /// <summary>Table 2 of the paper: mean(CM_contrastive) − mean(CM_baseline), in mean counts per run.</summary>
    public static double[][] ConfusionDifference(IEnumerable<int[][]> contrastive, IEnumerable<int[][]> baseline) =>
        Difference(MeanMatrix(contrastive), MeanMatrix(baseline));

    /// <summary>One summary per (column, corpus) over its successful cells: metric means and stds, mean confusion
    /// matrix, gender accuracy.</summary>
    public static List<ResultSummary> Summarize(IReadOnlyList<Cell> all)
    {
        var results = new List<ResultSummary>();
        foreach (var group in all.GroupBy(c => (c.Column, c.Corpus)))
        {
            var ok = group.Where(c => c.IsOk).ToList();
            var first = group.First();
            if (ok.Count == 0)
                continue;
            var summary = new ResultSummary
            {
                Method = first.Method,
                Corpus = first.Corpus,
                Variant = first.Variant,
                Accuracy = Aggregation.MeanStd(ok.Select(c => c.Accuracy!.Value)),
                MacroF1 = Aggregation.MeanStd(ok.Select(c => c.MacroF1!.Value)),
                Uar = Aggregation.MeanStd(ok.Select(c => c.Uar!.Value)),
                Runs = ok.Count,
                FailedRuns = group.Count() - ok.Count,
            };
            if (ok.All(c => c.ConfusionMatrix != null))
                summary.ConfusionMatrixMean = Aggregation.MeanMatrix(ok.Select(c => c.ConfusionMatrix!));
            var genders = ok.Where(c => c.GenderAccuracy != null)
                .SelectMany(c => c.GenderAccuracy!.Keys)
                .Distinct()
                .ToList();
            if (genders.Count > 0)
            {
                summary.GenderAccuracy = new SortedDictionary<string, MeanStd>(StringComparer.Ordinal);
                foreach (var g in genders)
                {
                    summary.GenderAccuracy[g] = Aggregation.MeanStd(
                        ok.Where(c => c.GenderAccuracy?.ContainsKey(g) == true)
                            .Select(c => c.GenderAccuracy![g].Accuracy)
                    );
                }
            }
            results.Add(summary);
        }
        return results;
    }
}
