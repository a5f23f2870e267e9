using Emolingua.Scoring;

namespace Emolingua.Evaluation;

/// <summary>
/// The reference rows that need no model. <b>chance</b>: the score of guessing uniformly at random, taken at its
/// expected confusion counts (each true class's clips spread evenly over the C predictions): accuracy = UAR = 1/C,
/// class c's precision n_c/N and recall 1/C, so macro F1 = mean over classes of 2·(n_c/N)·(1/C) / (n_c/N + 1/C) (0
/// for an absent class), and accuracy 1/C in every gender. <b>majority</b>: always the most frequent class of the
/// English training set (the lowest index on a tie), scored like any prediction.
/// </summary>
public static class ReferenceScores
{
    /// <summary>The chance cell of a test set (no confusion matrix: its expected counts are not whole).</summary>
    public static Cell Chance(
        string corpus,
        int fold,
        int seed,
        IReadOnlyList<int> truth,
        IReadOnlyList<string> labels,
        IReadOnlyList<string>? genders = null
    )
    {
        int classes = labels.Count,
            n = truth.Count;
        if (n == 0)
            throw new ArgumentException("no test samples");
        var perClass = labels
            .Select(
                (label, c) =>
                {
                    var support = truth.Count(t => t == c);
                    double precision = (double)support / n,
                        recall = support == 0 ? 0 : 1.0 / classes;
                    var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
                    return new ClassMetrics(precision, recall, f1, support) { Label = label };
                }
            )
            .ToList();
        var cell = new Cell
        {
            Method = Methods.Chance,
            Corpus = corpus,
            Fold = fold,
            Seed = seed,
            Count = n,
            Accuracy = 1.0 / classes,
            Uar = 1.0 / classes,
            MacroF1 = perClass.Average(c => c.F1),
            PerClass = perClass,
        };
        if (genders != null)
        {
            cell.GenderAccuracy = new SortedDictionary<string, GroupAccuracy>(
                genders.GroupBy(g => g).ToDictionary(g => g.Key, g => new GroupAccuracy(1.0 / classes, g.Count())),
                StringComparer.Ordinal
            );
        }

        return cell;
    }

    /// <summary>The most frequent class of the training labels (the lowest index on a tie).</summary>
    public static int MajorityClass(IEnumerable<int> trainingLabels, int classes)
    {
        var counts = new int[classes];
        foreach (var c in trainingLabels)
            counts[c]++;
        if (counts.Sum() == 0)
            throw new ArgumentException("no training labels");
        return Array.IndexOf(counts, counts.Max());
    }
}
