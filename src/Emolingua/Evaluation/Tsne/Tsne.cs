using System.Numerics;
using System.Runtime.InteropServices;

namespace Emolingua.Evaluation;

public enum TsneMethod
{
    /// <summary>Exact for N ≤ <see cref="TsneOptions.ExactMaxSamples"/> (and for dims ≠ 2), Barnes-Hut above.</summary>
    Auto,
    Exact,
    BarnesHut,
}

public enum TsneInit { Random, Pca }

public sealed record TsneOptions
{
    public int Dimensions { get; init; } = 2;
    public double Perplexity { get; init; } = 30;
    public int Iterations { get; init; } = 1000;
    public int Seed { get; init; }
    /// <summary>null = sklearn "auto": max(N / early_exaggeration / 4, 50).</summary>
    public double? LearningRate { get; init; }
    public double EarlyExaggeration { get; init; } = 12;
    public int ExaggerationIterations { get; init; } = 250;
    public double InitialMomentum { get; init; } = 0.5;
    public double FinalMomentum { get; init; } = 0.8;
    public TsneMethod Method { get; init; } = TsneMethod.Auto;
    public int ExactMaxSamples { get; init; } = 2000;
    /// <summary>Barnes-Hut accuracy: a cell is summarised when its width / distance &lt; theta.</summary>
    public double Theta { get; init; } = 0.5;
    public TsneInit Init { get; init; } = TsneInit.Random;
    /// <summary>Threads for the per-point gradient loops. Results are identical for any value: per-point terms
    /// go to arrays and every reduction runs sequentially in index order.</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>
/// t-SNE (van der Maaten &amp; Hinton 2008; Barnes-Hut variant van der Maaten 2014), following sklearn's
/// TSNE and van der Maaten's reference code: per-point binary search on the Gaussian precision to match the
/// perplexity, symmetrised joint P, Student-t Q, early exaggeration, momentum 0.5 → 0.8, delta-bar-delta gains.
/// Single RNG seeded from <see cref="TsneOptions.Seed"/> and no order-dependent parallel sums, so output is
/// bit-for-bit reproducible.
/// </summary>
public static class Tsne
{
    private const double MachineEpsilon = 2.220446049250313e-16;
    private const double MinGain = 0.01;

    public static double[,] Fit(float[][] x, int dims = 2, double perplexity = 30, int seed = 0, int iterations = 1000,
        TsneMethod method = TsneMethod.Auto) =>
        Fit(x, new TsneOptions { Dimensions = dims, Perplexity = perplexity, Seed = seed, Iterations = iterations, Method = method });

    public static double[,] Fit(float[][] x, TsneOptions options)
    {
        var (flat, n, d) = Flatten(x);
        return Fit(flat, n, d, options);
    }

    public static double[,] Fit(double[,] x, TsneOptions? options = null)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var flat = new double[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) flat[i * d + j] = x[i, j];
        return Fit(flat, n, d, options ?? new TsneOptions());
    }

    /// <summary>Rows of x (length n·d, row-major) → n × dims embedding.</summary>
    public static double[,] Fit(double[] x, int n, int d, TsneOptions options)
    {
        if (n < 2) throw new ArgumentException("t-SNE needs at least 2 samples");
        if (x.Length != n * d) throw new ArgumentException($"x has {x.Length} values, expected {n}×{d}");
        if (options.Dimensions < 1) throw new ArgumentOutOfRangeException(nameof(options), "Dimensions must be ≥ 1");
        if (options.Perplexity <= 0 || options.Perplexity >= n)
            throw new ArgumentOutOfRangeException(nameof(options), $"perplexity {options.Perplexity} must be in (0, N = {n})");
        foreach (var v in x) if (!double.IsFinite(v)) throw new ArgumentException("x contains NaN or infinity");

        bool barnesHut = options.Method switch
        {
            TsneMethod.Exact => false,
            TsneMethod.BarnesHut => true,
            _ => n > options.ExactMaxSamples && options.Dimensions == 2,
        };
        if (barnesHut && options.Dimensions != 2) throw new NotSupportedException("Barnes-Hut t-SNE is implemented for 2 output dimensions only");

        var rng = new Random(options.Seed);
        int dims = options.Dimensions;
        double[] y = options.Init == TsneInit.Pca ? PcaInit(x, n, d, dims, rng) : RandomInit(n, dims, rng);

        double lr = options.LearningRate ?? Math.Max(n / options.EarlyExaggeration / 4, 50);
        if (barnesHut)
        {
            var p = SparseAffinities(x, n, d, options.Perplexity, options.Threads);
            Optimize(y, n, dims, options, lr, (yy, exag, grad) => BarnesHutGradient(p, yy, n, exag, options.Theta, options.Threads, grad));
        }
        else
        {
            var p = ExactAffinities(x, n, d, options.Perplexity);
            var rep = new double[n * dims];
            Optimize(y, n, dims, options, lr, (yy, exag, grad) => ExactGradient(p, yy, n, dims, exag, grad, rep));
        }

        var result = new double[n, dims];
        for (int i = 0; i < n; i++) for (int k = 0; k < dims; k++) result[i, k] = y[i * dims + k];
        return result;
    }

    // ---------------------------------------------------------------- optimisation

    private static void Optimize(double[] y, int n, int dims, TsneOptions o, double lr, Action<double[], double, double[]> gradient)
    {
        var grad = new double[y.Length];
        var update = new double[y.Length];
        var gains = new double[y.Length];
        Array.Fill(gains, 1.0);
        for (int it = 0; it < o.Iterations; it++)
        {
            bool early = it < o.ExaggerationIterations;
            double exag = early ? o.EarlyExaggeration : 1.0;
            double momentum = early ? o.InitialMomentum : o.FinalMomentum;
            gradient(y, exag, grad);
            for (int k = 0; k < y.Length; k++)
            {
                // Delta-bar-delta (as sklearn): grow the gain where the gradient opposes the last step, else shrink.
                gains[k] = update[k] * grad[k] < 0 ? gains[k] + 0.2 : gains[k] * 0.8;
                if (gains[k] < MinGain) gains[k] = MinGain;
                update[k] = momentum * update[k] - lr * gains[k] * grad[k];
                y[k] += update[k];
            }
            // Recentre (as the reference implementation): the cost is translation-invariant; keeps the BH tree bounded.
            for (int c = 0; c < dims; c++)
            {
                double mean = 0;
                for (int i = 0; i < n; i++) mean += y[i * dims + c];
                mean /= n;
                for (int i = 0; i < n; i++) y[i * dims + c] -= mean;
            }
        }
    }

    /// <summary>
    /// Exact KL gradient 4 Σ_j (exag·P_ij − Q_ij) w_ij (y_i − y_j), w_ij = (1 + |y_i − y_j|²)⁻¹, Q_ij = w_ij / Σ w,
    /// split into attraction Σ exag·P_ij w_ij (y_i − y_j) and repulsion Σ w_ij² (y_i − y_j) / Σ w so one symmetric
    /// pass over i &lt; j suffices (no n×n buffer; sklearn's extra floor of Q at machine epsilon is omitted).
    /// </summary>
    private static void ExactGradient(double[] p, double[] y, int n, int dims, double exag, double[] grad, double[] rep)
    {
        Array.Clear(grad);
        Array.Clear(rep);
        double sumW = 0;
        Span<double> diff = stackalloc double[dims];
        for (int i = 0; i < n; i++)
        {
            int pi = i * n;
            for (int j = i + 1; j < n; j++)
            {
                double d2 = 0;
                for (int k = 0; k < dims; k++) { double t = y[i * dims + k] - y[j * dims + k]; diff[k] = t; d2 += t * t; }
                double w = 1 / (1 + d2);
                sumW += 2 * w;
                double a = exag * p[pi + j] * w, r = w * w;
                for (int k = 0; k < dims; k++)
                {
                    grad[i * dims + k] += a * diff[k]; grad[j * dims + k] -= a * diff[k];
                    rep[i * dims + k] += r * diff[k]; rep[j * dims + k] -= r * diff[k];
                }
            }
        }
        for (int k = 0; k < grad.Length; k++) grad[k] = 4 * (grad[k] - rep[k] / sumW);
    }

    private static void BarnesHutGradient(SparseP p, double[] y, int n, double exag, double theta, int threads, double[] grad)
    {
        var tree = new QuadTree(y, n);
        var sumQi = new double[n];
        var rep = new double[2 * n];
        void Point(int i)
        {
            // Attraction over the sparse neighbours (exact), repulsion via the tree.
            double ax = 0, ay = 0, xi = y[2 * i], yi = y[2 * i + 1];
            for (int e = p.RowPtr[i]; e < p.RowPtr[i + 1]; e++)
            {
                int j = p.Col[e];
                double dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
                double q = 1 / (1 + dx * dx + dy * dy);
                ax += p.Val[e] * q * dx;
                ay += p.Val[e] * q * dy;
            }
            grad[2 * i] = exag * ax;
            grad[2 * i + 1] = exag * ay;
            sumQi[i] = tree.Repulsion(i, theta, out rep[2 * i], out rep[2 * i + 1]);
        }
        if (threads > 1) Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, Point);
        else for (int i = 0; i < n; i++) Point(i);
        double sumQ = 0;
        for (int i = 0; i < n; i++) sumQ += sumQi[i];
        for (int k = 0; k < 2 * n; k++) grad[k] = 4 * (grad[k] - rep[k] / sumQ);
    }

    // ---------------------------------------------------------------- affinities

    /// <summary>Dense joint P (n×n): conditional P from squared distances, (P + Pᵀ) / sum, floored at machine epsilon.</summary>
    internal static double[] ExactAffinities(double[] x, int n, int d, double perplexity)
    {
        var p = new double[n * n];
        var dist = new double[n - 1];
        var row = new double[n - 1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0, m = 0; j < n; j++) if (j != i) dist[m++] = SquaredDistance(x.AsSpan(i * d, d), x.AsSpan(j * d, d));
            ConditionalRow(dist, perplexity, row);
            for (int j = 0, m = 0; j < n; j++) if (j != i) p[i * n + j] = row[m++];
        }
        double sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double v = p[i * n + j] + p[j * n + i];
                p[i * n + j] = v;
                p[j * n + i] = v;
                sum += 2 * v;
            }
        for (int k = 0; k < p.Length; k++) p[k] = Math.Max(p[k] / sum, MachineEpsilon);
        for (int i = 0; i < n; i++) p[i * n + i] = 0;
        return p;
    }

    private sealed record SparseP(int[] RowPtr, int[] Col, double[] Val);

    /// <summary>Sparse joint P over the ⌊3·perplexity⌋ exact nearest neighbours of each point (as sklearn's barnes_hut).</summary>
    private static SparseP SparseAffinities(double[] x, int n, int d, double perplexity, int threads)
    {
        int k = Math.Min(n - 1, (int)(3 * perplexity + 1));
        var nbr = new int[n * k];
        var cond = new double[n * k];
        void Row(int i)
        {
            var heap = new KnnHeap(k);
            var xi = x.AsSpan(i * d, d);
            for (int j = 0; j < n; j++) if (j != i) heap.Offer(SquaredDistance(xi, x.AsSpan(j * d, d)), j);
            var (dists, idx) = heap.Sorted();
            var row = new double[k];
            ConditionalRow(dists, perplexity, row);
            Array.Copy(idx, 0, nbr, i * k, k);
            Array.Copy(row, 0, cond, i * k, k);
        }
        if (threads > 1) Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, Row);
        else for (int i = 0; i < n; i++) Row(i);

        // Symmetrise: P_ij = (P_j|i + P_i|j) / Σ; collect both directions, sort by (row, col), merge duplicates.
        var keys = new long[2 * n * k];
        var vals = new double[2 * n * k];
        int t = 0;
        for (int i = 0; i < n; i++)
            for (int m = 0; m < k; m++)
            {
                int j = nbr[i * k + m];
                double v = cond[i * k + m];
                keys[t] = (long)i * n + j; vals[t++] = v;
                keys[t] = (long)j * n + i; vals[t++] = v;
            }
        Array.Sort(keys, vals);
        var rowPtr = new int[n + 1];
        var cols = new List<int>(t);
        var values = new List<double>(t);
        double total = 0;
        for (int s = 0; s < t;)
        {
            long key = keys[s];
            double v = 0;
            while (s < t && keys[s] == key) v += vals[s++];
            int r = (int)(key / n);
            cols.Add((int)(key % n));
            values.Add(v);
            rowPtr[r + 1]++;
            total += v;
        }
        for (int r = 0; r < n; r++) rowPtr[r + 1] += rowPtr[r];
        var val = values.ToArray();
        for (int e = 0; e < val.Length; e++) val[e] /= total;
        return new SparseP(rowPtr, cols.ToArray(), val);
    }

    /// <summary>
    /// Conditional P_{j|i} ∝ exp(−β·d_ij) over the given squared distances, with β found by bisection so that the
    /// entropy equals ln(perplexity) (sklearn _binary_search_perplexity: 100 steps, tolerance 1e-5). Distances are
    /// shifted by their minimum, which leaves P unchanged and avoids exp underflow for far-apart points.
    /// </summary>
    private static void ConditionalRow(ReadOnlySpan<double> dist, double perplexity, Span<double> row)
    {
        double target = Math.Log(perplexity);
        double dmin = double.PositiveInfinity;
        foreach (var v in dist) dmin = Math.Min(dmin, v);
        double beta = 1, lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        // Start at a scale matched to the data so the bisection does not waste steps doubling.
        double spread = 0;
        foreach (var v in dist) spread += v - dmin;
        spread /= dist.Length;
        if (spread > 0) beta = 1 / spread;
        for (int step = 0; step < 100; step++)
        {
            double sum = 0, weighted = 0;
            for (int j = 0; j < dist.Length; j++)
            {
                double e = Math.Exp(-beta * (dist[j] - dmin));
                row[j] = e;
                sum += e;
                weighted += e * (dist[j] - dmin);
            }
            double entropy = Math.Log(sum) + beta * weighted / sum;
            for (int j = 0; j < dist.Length; j++) row[j] /= sum;
            double diff = entropy - target;
            if (Math.Abs(diff) <= 1e-5) break;
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
                int c = _count++;
                _d[c] = dist; _i[c] = index;
                while (c > 0) { int parent = (c - 1) / 2; if (!Greater(c, parent)) break; Swap(c, parent); c = parent; }
                return;
            }
            if (dist > _d[0] || (dist == _d[0] && index > _i[0])) return;
            _d[0] = dist; _i[0] = index;
            int node = 0;
            while (true)
            {
                int l = 2 * node + 1, r = l + 1, top = node;
                if (l < _count && Greater(l, top)) top = l;
                if (r < _count && Greater(r, top)) top = r;
                if (top == node) break;
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

    // ---------------------------------------------------------------- Barnes-Hut quadtree

    /// <summary>
    /// Point-region quadtree over the 2-D embedding, rebuilt every iteration. Leaves hold one point, or several when
    /// they coincide (or the depth cap is hit), kept as a linked list and always evaluated exactly.
    /// </summary>
    private sealed class QuadTree
    {
        private const int MaxDepth = 48;
        private readonly double[] _y;
        private readonly int[] _next;
        private double[] _cx = new double[64], _cy = new double[64], _hw = new double[64], _sx = new double[64], _sy = new double[64];
        private int[] _count = new int[64], _child = new int[64], _head = new int[64];
        private int _nodes;

        public QuadTree(double[] y, int n)
        {
            _y = y;
            _next = new int[n];
            double minX = double.PositiveInfinity, maxX = double.NegativeInfinity, minY = double.PositiveInfinity, maxY = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                minX = Math.Min(minX, y[2 * i]); maxX = Math.Max(maxX, y[2 * i]);
                minY = Math.Min(minY, y[2 * i + 1]); maxY = Math.Max(maxY, y[2 * i + 1]);
            }
            double hw = Math.Max(maxX - minX, maxY - minY) / 2 * (1 + 1e-5) + 1e-10;
            NewNode((minX + maxX) / 2, (minY + maxY) / 2, hw);
            for (int i = 0; i < n; i++) Insert(i);
        }

        private int NewNode(double cx, double cy, double hw)
        {
            if (_nodes == _cx.Length)
            {
                int size = _nodes * 2;
                Array.Resize(ref _cx, size); Array.Resize(ref _cy, size); Array.Resize(ref _hw, size);
                Array.Resize(ref _sx, size); Array.Resize(ref _sy, size);
                Array.Resize(ref _count, size); Array.Resize(ref _child, size); Array.Resize(ref _head, size);
            }
            int node = _nodes++;
            _cx[node] = cx; _cy[node] = cy; _hw[node] = hw;
            _sx[node] = 0; _sy[node] = 0; _count[node] = 0; _child[node] = -1; _head[node] = -1;
            return node;
        }

        private int Quadrant(int node, double x, double y) =>
            _child[node] + (x >= _cx[node] ? 1 : 0) + (y >= _cy[node] ? 2 : 0);

        private void Insert(int i)
        {
            double x = _y[2 * i], y = _y[2 * i + 1];
            int node = 0;
            for (int depth = 0; ; depth++)
            {
                _count[node]++; _sx[node] += x; _sy[node] += y;
                if (_child[node] >= 0) { node = Quadrant(node, x, y); continue; }
                int h = _head[node];
                if (h < 0) { _head[node] = i; _next[i] = -1; return; }
                if (depth >= MaxDepth || (_y[2 * h] == x && _y[2 * h + 1] == y)) { _next[i] = h; _head[node] = i; return; }
                // Split: the resident list (one point, or coincident points) moves down to its quadrant.
                double q = _hw[node] / 2;
                int first = NewNode(_cx[node] - q, _cy[node] - q, q);
                NewNode(_cx[node] + q, _cy[node] - q, q);
                NewNode(_cx[node] - q, _cy[node] + q, q);
                NewNode(_cx[node] + q, _cy[node] + q, q);
                _child[node] = first;
                int c = Quadrant(node, _y[2 * h], _y[2 * h + 1]);
                _head[c] = h;
                _head[node] = -1;
                for (int p = h; p >= 0; p = _next[p]) { _count[c]++; _sx[c] += _y[2 * p]; _sy[c] += _y[2 * p + 1]; }
                node = Quadrant(node, x, y);
            }
        }

        /// <summary>Σ_j q_ij (returned) and Σ_j q_ij² (y_i − y_j) (out), j ≠ i, with far cells summarised.</summary>
        public double Repulsion(int i, double theta, out double fx, out double fy)
        {
            double xi = _y[2 * i], yi = _y[2 * i + 1], sumQ = 0, theta2 = theta * theta;
            fx = 0; fy = 0;
            Span<int> stack = stackalloc int[4 * MaxDepth + 8];
            int top = 0;
            stack[top++] = 0;
            while (top > 0)
            {
                int node = stack[--top];
                int count = _count[node];
                if (count == 0) continue;
                if (_child[node] < 0)
                {
                    for (int p = _head[node]; p >= 0; p = _next[p])
                    {
                        if (p == i) continue;
                        double dx = xi - _y[2 * p], dy = yi - _y[2 * p + 1];
                        double q = 1 / (1 + dx * dx + dy * dy);
                        sumQ += q; fx += q * q * dx; fy += q * q * dy;
                    }
                    continue;
                }
                double cx = _sx[node] / count, cy = _sy[node] / count;
                double ddx = xi - cx, ddy = yi - cy, d2 = ddx * ddx + ddy * ddy;
                double width = 2 * _hw[node];
                if (width * width < theta2 * d2)
                {
                    double q = 1 / (1 + d2), m = count * q;
                    sumQ += m; fx += m * q * ddx; fy += m * q * ddy;
                }
                else
                {
                    int c = _child[node];
                    stack[top++] = c; stack[top++] = c + 1; stack[top++] = c + 2; stack[top++] = c + 3;
                }
            }
            return sumQ;
        }
    }

    // ---------------------------------------------------------------- initialisation

    private static double[] RandomInit(int n, int dims, Random rng)
    {
        // N(0, 1e-4²) as sklearn's init="random" (std 1e-4).
        var y = new double[n * dims];
        for (int k = 0; k < y.Length; k++) y[k] = 1e-4 * Gaussian(rng);
        return y;
    }

    /// <summary>First principal components (power iteration with deflation), scaled so PC1 has std 1e-4 (as sklearn).</summary>
    private static double[] PcaInit(double[] x, int n, int d, int dims, Random rng)
    {
        var xc = (double[])x.Clone();
        for (int j = 0; j < d; j++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += xc[i * d + j];
            mean /= n;
            for (int i = 0; i < n; i++) xc[i * d + j] -= mean;
        }
        var comps = new List<double[]>();
        var y = new double[n * dims];
        var proj = new double[n];
        for (int c = 0; c < dims; c++)
        {
            var v = new double[d];
            for (int j = 0; j < d; j++) v[j] = Gaussian(rng);
            for (int iter = 0; iter < 200; iter++)
            {
                foreach (var u in comps) { double dot = Dot(u, v); for (int j = 0; j < d; j++) v[j] -= dot * u[j]; }
                Normalize(v);
                for (int i = 0; i < n; i++) proj[i] = Dot(xc.AsSpan(i * d, d), v);
                var w = new double[d];
                for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) w[j] += proj[i] * xc[i * d + j];
                foreach (var u in comps) { double dot = Dot(u, w); for (int j = 0; j < d; j++) w[j] -= dot * u[j]; }
                if (Normalize(w) == 0) break;
                v = w;
            }
            comps.Add(v);
            for (int i = 0; i < n; i++) y[i * dims + c] = Dot(xc.AsSpan(i * d, d), v);
        }
        double m0 = 0, s0 = 0;
        for (int i = 0; i < n; i++) m0 += y[i * dims];
        m0 /= n;
        for (int i = 0; i < n; i++) s0 += (y[i * dims] - m0) * (y[i * dims] - m0);
        s0 = Math.Sqrt(s0 / n);
        double scale = s0 > 0 ? 1e-4 / s0 : 1;
        for (int k = 0; k < y.Length; k++) y[k] *= scale;
        return y;
    }

    private static double Normalize(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        if (norm > 0) for (int j = 0; j < v.Length; j++) v[j] /= norm;
        return norm;
    }

    private static double Gaussian(Random rng)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1] so the log is finite.
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    // ---------------------------------------------------------------- quality measures

    /// <summary>
    /// sklearn.manifold.trustworthiness with Euclidean distances: 1 − 2/(n k (2n − 3k − 1)) Σ_i Σ_{j ∈ U_k(i)} (r(i, j) − k),
    /// where U_k(i) are the k nearest neighbours of i in the embedding and r(i, j) is j's rank among i's
    /// neighbours in the input space (ties broken by index). Requires k &lt; n / 2.
    /// </summary>
    public static double Trustworthiness(double[,] x, double[,] embedded, int k = 5)
    {
        int n = x.GetLength(0);
        if (embedded.GetLength(0) != n) throw new ArgumentException("x and embedded differ in the number of rows");
        if (k < 1 || k >= n / 2.0) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, n/2) (n = {n})");
        var xf = ToFlat(x, out int d);
        var yf = ToFlat(embedded, out int e);
        double t = 0;
        var dx = new double[n];
        var order = new int[n];
        var rank = new int[n];
        var dy = new double[n];
        var orderY = new int[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                dx[j] = j == i ? double.PositiveInfinity : SquaredDistance(xf.AsSpan(i * d, d), xf.AsSpan(j * d, d));
                dy[j] = j == i ? double.PositiveInfinity : SquaredDistance(yf.AsSpan(i * e, e), yf.AsSpan(j * e, e));
                order[j] = j; orderY[j] = j;
            }
            SortByDistance(order, dx);
            for (int r = 0; r < n; r++) rank[order[r]] = r + 1;
            SortByDistance(orderY, dy);
            for (int m = 0; m < k; m++) t += Math.Max(rank[orderY[m]] - k, 0);
        }
        return 1 - t * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)));
    }

    /// <summary>Fraction of points whose label equals the majority label of their k nearest neighbours in Y (ties → lowest label).</summary>
    public static double NeighborLabelAgreement(double[,] y, IReadOnlyList<int> labels, int k = 5)
    {
        int n = y.GetLength(0);
        if (labels.Count != n) throw new ArgumentException("labels and rows differ in count");
        var yf = ToFlat(y, out int e);
        int hits = 0;
        var dist = new double[n];
        var order = new int[n];
        int maxLabel = labels.Max();
        var votes = new int[maxLabel + 1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) { dist[j] = j == i ? double.PositiveInfinity : SquaredDistance(yf.AsSpan(i * e, e), yf.AsSpan(j * e, e)); order[j] = j; }
            SortByDistance(order, dist);
            Array.Clear(votes);
            for (int m = 0; m < Math.Min(k, n - 1); m++) votes[labels[order[m]]]++;
            int best = 0;
            for (int c = 1; c < votes.Length; c++) if (votes[c] > votes[best]) best = c;
            if (best == labels[i]) hits++;
        }
        return (double)hits / n;
    }

    private static void SortByDistance(int[] order, double[] dist) =>
        Array.Sort(order, (a, b) => dist[a] != dist[b] ? dist[a].CompareTo(dist[b]) : a.CompareTo(b));

    // ---------------------------------------------------------------- helpers

    private static double[] ToFlat(double[,] a, out int cols)
    {
        int n = a.GetLength(0);
        cols = a.GetLength(1);
        var flat = new double[n * cols];
        for (int i = 0; i < n; i++) for (int j = 0; j < cols; j++) flat[i * cols + j] = a[i, j];
        return flat;
    }

    private static (double[] Flat, int N, int D) Flatten(float[][] x)
    {
        if (x.Length == 0) throw new ArgumentException("no samples");
        int d = x[0].Length;
        var flat = new double[x.Length * d];
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i].Length != d) throw new ArgumentException($"row {i} has {x[i].Length} values, row 0 has {d}");
            for (int j = 0; j < d; j++) flat[i * d + j] = x[i][j];
        }
        return (flat, x.Length, d);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += a[j] * b[j];
        return s;
    }

    /// <summary>Squared Euclidean distance, SIMD over the feature axis (a fixed summation order, so deterministic).</summary>
    internal static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int j = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<double>.Count * 2)
        {
            var acc = Vector<double>.Zero;
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
            for (int v = 0; v < va.Length; v++) { var t = va[v] - vb[v]; acc += t * t; }
            s = Vector.Sum(acc);
            j = va.Length * Vector<double>.Count;
        }
        for (; j < a.Length; j++) { double t = a[j] - b[j]; s += t * t; }
        return s;
    }
}
