using System.Numerics;
using System.Runtime.InteropServices;

namespace Emolingua.Evaluation;

/// <summary>
/// t-SNE (van der Maaten &amp; Hinton 2008; Barnes-Hut variant van der Maaten 2014), following sklearn's
/// TSNE and van der Maaten's reference code: per-point binary search on the Gaussian precision to match the
/// perplexity, symmetrised joint P, Student-t Q, early exaggeration, momentum 0.5 → 0.8, delta-bar-delta gains.
/// Single RNG seeded from <see cref="TsneOptions.Seed"/> and no order-dependent parallel sums, so output is
/// bit-for-bit reproducible.
/// </summary>
public static partial class Tsne
{
    private const double MachineEpsilon = 2.220446049250313e-16;
    private const double MinGain = 0.01;

    public static double[,] Fit(
        float[][] x,
        int dims = 2,
        double perplexity = 30,
        int seed = 0,
        int iterations = 1000,
        TsneMethod method = TsneMethod.Auto
    ) =>
        Fit(
            x,
            new TsneOptions
            {
                Dimensions = dims,
                Perplexity = perplexity,
                Seed = seed,
                Iterations = iterations,
                Method = method,
            }
        );

    public static double[,] Fit(float[][] x, TsneOptions options)
    {
        var (flat, n, d) = Flatten(x);
        return Fit(flat, n, d, options);
    }

    public static double[,] Fit(double[,] x, TsneOptions? options = null)
    {
        int n = x.GetLength(0),
            d = x.GetLength(1);
        var flat = new double[n * d];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
                flat[i * d + j] = x[i, j];
        }

        return Fit(flat, n, d, options ?? new TsneOptions());
    }

    /// <summary>Rows of x (length n·d, row-major) → n × dims embedding.</summary>
    public static double[,] Fit(double[] x, int n, int d, TsneOptions options)
    {
        if (n < 2)
            throw new ArgumentException("t-SNE needs at least 2 samples");
        if (x.Length != n * d)
            throw new ArgumentException($"x has {x.Length} values, expected {n}×{d}");
        if (options.Dimensions < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "Dimensions must be ≥ 1");
        if (options.Perplexity <= 0 || options.Perplexity >= n)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"perplexity {options.Perplexity} must be in (0, N = {n})"
            );
        }

        foreach (var v in x)
        {
            if (!double.IsFinite(v))
                throw new ArgumentException("x contains NaN or infinity");
        }

        var barnesHut = options.Method switch
        {
            TsneMethod.Exact => false,
            TsneMethod.BarnesHut => true,
            _ => n > options.ExactMaxSamples && options.Dimensions == 2,
        };
        if (barnesHut && options.Dimensions != 2)
            throw new NotSupportedException("Barnes-Hut t-SNE is implemented for 2 output dimensions only");

        var rng = new Random(options.Seed);
        var dims = options.Dimensions;
        var y = options.Init == TsneInit.Pca ? PcaInit(x, n, d, dims, rng) : RandomInit(n, dims, rng);

        var lr = options.LearningRate ?? Math.Max(n / options.EarlyExaggeration / 4, 50);
        if (barnesHut)
        {
            var p = SparseAffinities(x, n, d, options.Perplexity, options.Threads);
            Optimize(y, n, dims, options, lr, (yy, exag, grad) =>
                BarnesHutGradient(p, yy, n, exag, options.Theta, options.Threads, grad)
            );
        }
        else
        {
            var p = ExactAffinities(x, n, d, options.Perplexity);
            var rep = new double[n * dims];
            Optimize(y, n, dims, options, lr, (yy, exag, grad) => ExactGradient(p, yy, n, dims, exag, grad, rep));
        }

        var result = new double[n, dims];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < dims; k++)
                result[i, k] = y[i * dims + k];
        }

        return result;
    }

    // ---------------------------------------------------------------- optimisation

    private static void Optimize(
        double[] y,
        int n,
        int dims,
        TsneOptions o,
        double lr,
        Action<double[], double, double[]> gradient
    )
    {
        var grad = new double[y.Length];
        var update = new double[y.Length];
        var gains = new double[y.Length];
        Array.Fill(gains, 1.0);
        for (var it = 0; it < o.Iterations; it++)
        {
            var early = it < o.ExaggerationIterations;
            var exag = early ? o.EarlyExaggeration : 1.0;
            var momentum = early ? o.InitialMomentum : o.FinalMomentum;
            gradient(y, exag, grad);
            for (var k = 0; k < y.Length; k++)
            {
                // Delta-bar-delta (as sklearn): grow the gain where the gradient opposes the last step, else shrink.
                gains[k] = update[k] * grad[k] < 0 ? gains[k] + 0.2 : gains[k] * 0.8;
                if (gains[k] < MinGain)
                    gains[k] = MinGain;
                update[k] = momentum * update[k] - lr * gains[k] * grad[k];
                y[k] += update[k];
            }
            // Recentre (as the reference implementation): the cost is translation-invariant; keeps the BH tree bounded.
            for (var c = 0; c < dims; c++)
            {
                double mean = 0;
                for (var i = 0; i < n; i++)
                    mean += y[i * dims + c];
                mean /= n;
                for (var i = 0; i < n; i++)
                    y[i * dims + c] -= mean;
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
        for (var i = 0; i < n; i++)
        {
            var pi = i * n;
            for (var j = i + 1; j < n; j++)
            {
                double d2 = 0;
                for (var k = 0; k < dims; k++)
                {
                    var t = y[i * dims + k] - y[j * dims + k];
                    diff[k] = t;
                    d2 += t * t;
                }
                var w = 1 / (1 + d2);
                sumW += 2 * w;
                double a = exag * p[pi + j] * w,
                    r = w * w;
                for (var k = 0; k < dims; k++)
                {
                    grad[i * dims + k] += a * diff[k];
                    grad[j * dims + k] -= a * diff[k];
                    rep[i * dims + k] += r * diff[k];
                    rep[j * dims + k] -= r * diff[k];
                }
            }
        }
        for (var k = 0; k < grad.Length; k++)
            grad[k] = 4 * (grad[k] - rep[k] / sumW);
    }

    private static void BarnesHutGradient(
        SparseP p,
        double[] y,
        int n,
        double exag,
        double theta,
        int threads,
        double[] grad
    )
    {
        var tree = new QuadTree(y, n);
        var sumQi = new double[n];
        var rep = new double[2 * n];
        void Point(int i)
        {
            // Attraction over the sparse neighbours (exact), repulsion via the tree.
            double ax = 0,
                ay = 0,
                xi = y[2 * i],
                yi = y[2 * i + 1];
            for (var e = p.RowPtr[i]; e < p.RowPtr[i + 1]; e++)
            {
                var j = p.Col[e];
                double dx = xi - y[2 * j],
                    dy = yi - y[2 * j + 1];
                var q = 1 / (1 + dx * dx + dy * dy);
                ax += p.Val[e] * q * dx;
                ay += p.Val[e] * q * dy;
            }
            grad[2 * i] = exag * ax;
            grad[2 * i + 1] = exag * ay;
            sumQi[i] = tree.Repulsion(i, theta, out rep[2 * i], out rep[2 * i + 1]);
        }
        if (threads > 1)
        {
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, Point);
        }
        else
        {
            for (var i = 0; i < n; i++)
                Point(i);
        }

        double sumQ = 0;
        for (var i = 0; i < n; i++)
            sumQ += sumQi[i];
        for (var k = 0; k < 2 * n; k++)
            grad[k] = 4 * (grad[k] - rep[k] / sumQ);
    }

    // ---------------------------------------------------------------- helpers

    private static (double[] Flat, int N, int D) Flatten(float[][] x)
    {
        if (x.Length == 0)
            throw new ArgumentException("no samples");
        var d = x[0].Length;
        var flat = new double[x.Length * d];
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i].Length != d)
                throw new ArgumentException($"row {i} has {x[i].Length} values, row 0 has {d}");
            for (var j = 0; j < d; j++)
                flat[i * d + j] = x[i][j];
        }
        return (flat, x.Length, d);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (var j = 0; j < a.Length; j++)
            s += a[j] * b[j];
        return s;
    }

    /// <summary>Squared Euclidean distance, SIMD over the feature axis (a fixed summation order, so
    /// deterministic).</summary>
    internal static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var j = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<double>.Count * 2)
        {
            var acc = Vector<double>.Zero;
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
            for (var v = 0; v < va.Length; v++)
            {
                var t = va[v] - vb[v];
                acc += t * t;
            }
            s = Vector.Sum(acc);
            j = va.Length * Vector<double>.Count;
        }
        for (; j < a.Length; j++)
        {
            var t = a[j] - b[j];
            s += t * t;
        }
        return s;
    }
}
