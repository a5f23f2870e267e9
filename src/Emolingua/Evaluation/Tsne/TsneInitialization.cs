namespace Emolingua.Evaluation;

public static partial class Tsne
{
    private static double[] RandomInit(int n, int dims, Random rng)
    {
        // N(0, 1e-4²) as sklearn's init="random" (std 1e-4).
        var y = new double[n * dims];
        for (var k = 0; k < y.Length; k++)
            y[k] = 1e-4 * Gaussian(rng);
        return y;
    }

    /// <summary>First principal components (power iteration with deflation), scaled so PC1 has std 1e-4 (as
    /// sklearn).</summary>
    private static double[] PcaInit(double[] x, int n, int d, int dims, Random rng)
    {
        var xc = (double[])x.Clone();
        for (var j = 0; j < d; j++)
        {
            double mean = 0;
            for (var i = 0; i < n; i++)
                mean += xc[i * d + j];
            mean /= n;
            for (var i = 0; i < n; i++)
                xc[i * d + j] -= mean;
        }
        var comps = new List<double[]>();
        var y = new double[n * dims];
        var proj = new double[n];
        for (var c = 0; c < dims; c++)
        {
            var v = new double[d];
            for (var j = 0; j < d; j++)
                v[j] = Gaussian(rng);
            for (var iter = 0; iter < 200; iter++)
            {
                foreach (var u in comps)
                {
                    var dot = Dot(u, v);
                    for (var j = 0; j < d; j++)
                        v[j] -= dot * u[j];
                }
                Normalize(v);
                for (var i = 0; i < n; i++)
                    proj[i] = Dot(xc.AsSpan(i * d, d), v);
                var w = new double[d];
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < d; j++)
                        w[j] += proj[i] * xc[i * d + j];
                }

                foreach (var u in comps)
                {
                    var dot = Dot(u, w);
                    for (var j = 0; j < d; j++)
                        w[j] -= dot * u[j];
                }
                if (Normalize(w) == 0)
                    break;
                v = w;
            }
            comps.Add(v);
            for (var i = 0; i < n; i++)
                y[i * dims + c] = Dot(xc.AsSpan(i * d, d), v);
        }
        double m0 = 0,
            s0 = 0;
        for (var i = 0; i < n; i++)
            m0 += y[i * dims];
        m0 /= n;
        for (var i = 0; i < n; i++)
            s0 += (y[i * dims] - m0) * (y[i * dims] - m0);
        s0 = Math.Sqrt(s0 / n);
        var scale = s0 > 0 ? 1e-4 / s0 : 1;
        for (var k = 0; k < y.Length; k++)
            y[k] *= scale;
        return y;
    }

    private static double Normalize(double[] v)
    {
        var norm = Math.Sqrt(Dot(v, v));
        if (norm > 0)
        {
            for (var j = 0; j < v.Length; j++)
                v[j] /= norm;
        }

        return norm;
    }

    private static double Gaussian(Random rng)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1] so the log is finite.
        double u1 = 1 - rng.NextDouble(),
            u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
