namespace Emolingua.Evaluation;

public static partial class Tsne
{
    /// <summary>Dense joint P (n×n): conditional P from squared distances, (P + Pᵀ) / sum, floored at machine
    /// epsilon.</summary>
    internal static double[] ExactAffinities(double[] x, int n, int d, double perplexity)
    {
        var p = new double[n * n];
        var dist = new double[n - 1];
        var row = new double[n - 1];
        for (var i = 0; i < n; i++)
        {
            for (int j = 0, m = 0; j < n; j++)
            {
                if (j != i)
                    dist[m++] = SquaredDistance(x.AsSpan(i * d, d), x.AsSpan(j * d, d));
            }

            ConditionalRow(dist, perplexity, row);
            for (int j = 0, m = 0; j < n; j++)
            {
                if (j != i)
                    p[i * n + j] = row[m++];
            }
        }
        double sum = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var v = p[i * n + j] + p[j * n + i];
                p[i * n + j] = v;
                p[j * n + i] = v;
                sum += 2 * v;
            }
        }

        for (var k = 0; k < p.Length; k++)
            p[k] = Math.Max(p[k] / sum, MachineEpsilon);
        for (var i = 0; i < n; i++)
            p[i * n + i] = 0;
        return p;
    }

    private sealed record SparseP(int[] RowPtr, int[] Col, double[] Val);

    /// <summary>Sparse joint P over the ⌊3·perplexity⌋ exact nearest neighbours of each point (as sklearn's
    /// barnes_hut).</summary>
    private static SparseP SparseAffinities(double[] x, int n, int d, double perplexity, int threads)
    {
        var k = Math.Min(n - 1, (int)(3 * perplexity + 1));
        var nbr = new int[n * k];
        var cond = new double[n * k];
        void Row(int i)
        {
            var heap = new KnnHeap(k);
            var xi = x.AsSpan(i * d, d);
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                    heap.Offer(SquaredDistance(xi, x.AsSpan(j * d, d)), j);
            }

            var (dists, idx) = heap.Sorted();
            var row = new double[k];
            ConditionalRow(dists, perplexity, row);
            Array.Copy(idx, 0, nbr, i * k, k);
            Array.Copy(row, 0, cond, i * k, k);
        }
        if (threads > 1)
        {
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, Row);
        }
        else
        {
            for (var i = 0; i < n; i++)
                Row(i);
        }

        // Symmetrise: P_ij = (P_j|i + P_i|j) / Σ; collect both directions, sort by (row, col), merge duplicates.
        var keys = new long[2 * n * k];
        var vals = new double[2 * n * k];
        var t = 0;
        for (var i = 0; i < n; i++)
        {
            for (var m = 0; m < k; m++)
            {
                var j = nbr[i * k + m];
                var v = cond[i * k + m];
                keys[t] = (long)i * n + j;
                vals[t++] = v;
                keys[t] = (long)j * n + i;
                vals[t++] = v;
            }
        }

        Array.Sort(keys, vals);
        var rowPtr = new int[n + 1];
        var cols = new List<int>(t);
        var values = new List<double>(t);
        double total = 0;
        var s = 0;
        while (s < t)
        {
            var key = keys[s];
            double v = 0;
            while (s < t && keys[s] == key)
                v += vals[s++];
            var r = (int)(key / n);
            cols.Add((int)(key % n));
            values.Add(v);
            rowPtr[r + 1]++;
            total += v;
        }
        for (var r = 0; r < n; r++)
            rowPtr[r + 1] += rowPtr[r];
        var val = values.ToArray();
        for (var e = 0; e < val.Length; e++)
            val[e] /= total;
        return new SparseP(rowPtr, cols.ToArray(), val);
    }

    /// <summary>
    /// Conditional P_{j|i} ∝ exp(−β·d_ij) over the given squared distances, with β found by bisection so that the
    /// entropy equals ln(perplexity) (sklearn _binary_search_perplexity: 100 steps, tolerance 1e-5). Distances are
    /// shifted by their minimum, which leaves P unchanged and avoids exp underflow for far-apart points.
    /// </summary>
    private static void ConditionalRow(ReadOnlySpan<double> dist, double perplexity, Span<double> row)
    {
        var target = Math.Log(perplexity);
        var dmin = double.PositiveInfinity;
        foreach (var v in dist)
            dmin = Math.Min(dmin, v);
        double beta = 1,
            lo = double.NegativeInfinity,
            hi = double.PositiveInfinity;
        // Start at a scale matched to the data so the bisection does not waste steps doubling.
        double spread = 0;
        foreach (var v in dist)
            spread += v - dmin;
        spread /= dist.Length;
        if (spread > 0)
            beta = 1 / spread;
        for (var step = 0; step < 100; step++)
        {
            double sum = 0,
                weighted = 0;
            for (var j = 0; j < dist.Length; j++)
            {
                var e = Math.Exp(-beta * (dist[j] - dmin));
                row[j] = e;
                sum += e;
                weighted += e * (dist[j] - dmin);
            }
            var entropy = Math.Log(sum) + beta * weighted / sum;
            for (var j = 0; j < dist.Length; j++)
                row[j] /= sum;
            var diff = entropy - target;
            if (Math.Abs(diff) <= 1e-5)
                break;
            if (diff > 0)
            {
                lo = beta;
                beta = double.IsPositiveInfinity(hi) ? beta * 2 : (beta + hi) / 2;
            }
            else
            {
                hi = beta;
                beta = double.IsNegativeInfinity(lo) ? beta / 2 : (beta + lo) / 2;
            }
        }
    }

    /// <summary>Bounded max-heap keeping the k nearest (ties broken by lower index, for determinism).</summary>
    private sealed class KnnHeap(int k)
    {
        private readonly double[] _d = new double[k];
        private readonly int[] _i = new int[k];
        private int _count;

        private bool Greater(int a, int b) => _d[a] > _d[b] || (_d[a] == _d[b] && _i[a] > _i[b]);

        public void Offer(double dist, int index)
        {
            if (_count < _d.Length)
            {
                var c = _count++;
                _d[c] = dist;
                _i[c] = index;
                while (c > 0)
                {
                    var parent = (c - 1) / 2;
                    if (!Greater(c, parent))
                        break;
                    Swap(c, parent);
                    c = parent;
                }
                return;
            }
            if (dist > _d[0] || (dist == _d[0] && index > _i[0]))
                return;
            _d[0] = dist;
            _i[0] = index;
            var node = 0;
            while (true)
            {
                int l = 2 * node + 1,
                    r = l + 1,
                    top = node;
                if (l < _count && Greater(l, top))
                    top = l;
                if (r < _count && Greater(r, top))
                    top = r;
                if (top == node)
                    break;
                Swap(node, top);
                node = top;
            }
        }

        private void Swap(int a, int b)
        {
            (_d[a], _d[b]) = (_d[b], _d[a]);
            (_i[a], _i[b]) = (_i[b], _i[a]);
        }

        public (double[] Dist, int[] Index) Sorted()
        {
            var d = _d[.._count];
            var i = _i[.._count];
            var order = Enumerable.Range(0, _count).OrderBy(t => d[t]).ThenBy(t => i[t]).ToArray();
            return (order.Select(t => d[t]).ToArray(), order.Select(t => i[t]).ToArray());
        }
    }
}
