using Emolingua.Evaluation;

namespace Emolingua.Tests.Evaluation;

/// <summary>
/// How well a t-SNE embedding keeps the input's neighbourhoods: what the t-SNE tests measure. Only tests use these,
/// so they live here rather than in the library.
/// </summary>
internal static class TsneQuality
{
    /// <summary>
    /// sklearn.manifold.trustworthiness with Euclidean distances: 1 − 2/(n k (2n − 3k − 1)) Σ_i Σ_{j ∈ U_k(i)} (r(i, j)
    /// − k), where U_k(i) are the k nearest neighbours of i in the embedding and r(i, j) is j's rank among i's
    /// neighbours in the input space (ties broken by index). Requires k &lt; n / 2.
    /// </summary>
    public static double Trustworthiness(double[,] x, double[,] embedded, int k = 5)
    {
        var n = x.GetLength(0);
        if (embedded.GetLength(0) != n)
            throw new ArgumentException("x and embedded differ in the number of rows");
        if (k < 1 || k >= n / 2.0)
            throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, n/2) (n = {n})");
        var xf = ToFlat(x, out var d);
        var yf = ToFlat(embedded, out var e);
        double t = 0;
        var dx = new double[n];
        var order = new int[n];
        var rank = new int[n];
        var dy = new double[n];
        var orderY = new int[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                dx[j] =
                    j == i ? double.PositiveInfinity : Tsne.SquaredDistance(xf.AsSpan(i * d, d), xf.AsSpan(j * d, d));
                dy[j] =
                    j == i ? double.PositiveInfinity : Tsne.SquaredDistance(yf.AsSpan(i * e, e), yf.AsSpan(j * e, e));
                order[j] = j;
                orderY[j] = j;
            }
            SortByDistance(order, dx);
            for (var r = 0; r < n; r++)
                rank[order[r]] = r + 1;
            SortByDistance(orderY, dy);
            for (var m = 0; m < k; m++)
                t += Math.Max(rank[orderY[m]] - k, 0);
        }
        return 1 - t * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)));
    }

    /// <summary>Fraction of points whose label equals the majority label of their k nearest neighbours in Y (ties →
    /// lowest label).</summary>
    public static double NeighborLabelAgreement(double[,] y, IReadOnlyList<int> labels, int k = 5)
    {
        var n = y.GetLength(0);
        if (labels.Count != n)
            throw new ArgumentException("labels and rows differ in count");
        var yf = ToFlat(y, out var e);
        var hits = 0;
        var dist = new double[n];
        var order = new int[n];
        var maxLabel = labels.Max();
        var votes = new int[maxLabel + 1];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                dist[j] =
                    j == i ? double.PositiveInfinity : Tsne.SquaredDistance(yf.AsSpan(i * e, e), yf.AsSpan(j * e, e));
                order[j] = j;
            }
            SortByDistance(order, dist);
            Array.Clear(votes);
            for (var m = 0; m < Math.Min(k, n - 1); m++)
                votes[labels[order[m]]]++;
            var best = 0;
            for (var c = 1; c < votes.Length; c++)
            {
                if (votes[c] > votes[best])
                    best = c;
            }

            if (best == labels[i])
                hits++;
        }
        return (double)hits / n;
    }

    private static void SortByDistance(int[] order, double[] dist) =>
        Array.Sort(order, (a, b) => dist[a] != dist[b] ? dist[a].CompareTo(dist[b]) : a.CompareTo(b));

    private static double[] ToFlat(double[,] a, out int cols)
    {
        var n = a.GetLength(0);
        cols = a.GetLength(1);
        var flat = new double[n * cols];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < cols; j++)
                flat[i * cols + j] = a[i, j];
        }

        return flat;
    }
}
