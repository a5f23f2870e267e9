using Emolingua.Models;
using MathNet.Numerics.LinearAlgebra;

namespace Emolingua.Training.Acoustic;

/// <summary>
/// Multinomial logistic regression with an L2 penalty on the weights (not the intercepts), fitted by Newton's method
/// with backtracking: deterministic, and converged to machine precision in a few iterations for tens of features.
/// The objective is scikit-learn's (LogisticRegression, lbfgs, multinomial):
/// Σ_i s_i · (−log softmax(W·x_i + b)_{y_i}) + ½·(1/C)·‖W‖², with s_i the sample weights (class-balanced:
/// n / (classes · n_class), sklearn's class_weight="balanced"). Softmax is unchanged by a shift of every intercept, so
/// the last class's intercept is held at 0 while fitting and the intercepts are centred afterwards (sum 0, as
/// sklearn's optimiser started from zeros leaves them).
/// </summary>
public static class LogisticRegression
{
    public sealed record Fit(double[][] Weights, double[] Bias, int Iterations, double Objective, double GradientMax);

    /// <summary>n / (classes · count of the class), per sample; every class must occur.</summary>
    public static double[] BalancedWeights(IReadOnlyList<int> y, int classes)
    {
        var counts = new int[classes];
        foreach (var c in y)
            counts[c]++;
        for (var c = 0; c < classes; c++)
        {
            if (counts[c] == 0)
            {
                throw new ArgumentException(
                    $"class {c} has no training samples; class-balanced weights need every class"
                );
            }
        }

        return y.Select(c => y.Count / (double)(classes * counts[c])).ToArray();
    }

    /// <param name="x">[n][d] features (already standardised)</param>
    /// <param name="y">class index per sample</param>
    /// <param name="inverseRegularisation">sklearn's C: the penalty is ½·‖W‖²/C</param>
    public static Fit Train(
        IReadOnlyList<double[]> x,
        IReadOnlyList<int> y,
        int classes,
        double inverseRegularisation = 1.0,
        IReadOnlyList<double>? sampleWeights = null,
        int maxIterations = 100
    )
    {
        int n = x.Count,
            d = n == 0 ? 0 : x[0].Length,
            p = d + 1;
        if (n == 0 || y.Count != n)
            throw new ArgumentException($"{n} samples and {y.Count} labels");
        if (x.Any(r => r.Length != d))
            throw new ArgumentException("samples differ in length");
        if (!(inverseRegularisation > 0))
            throw new ArgumentOutOfRangeException(nameof(inverseRegularisation));
        var s = sampleWeights ?? Enumerable.Repeat(1.0, n).ToArray();
        var lambda = 1 / inverseRegularisation;
        // θ[c·p + a]: weight a of class c, a = d is the intercept; the last class's intercept is not free.
        int size = classes * p,
            free = size - 1;
        var theta = new double[size];
        var rows = x.Select(r => r.Append(1.0).ToArray()).ToArray(); // [n][p], constant 1 for the intercept

        double Objective(double[] t)
        {
            double f = 0;
            for (var i = 0; i < n; i++)
            {
                var logits = Logits(t, rows[i], classes, p);
                f += s[i] * (LogSumExp(logits) - logits[y[i]]);
            }
            for (var c = 0; c < classes; c++)
            {
                for (var a = 0; a < d; a++)
                    f += 0.5 * lambda * t[c * p + a] * t[c * p + a];
            }

            return f;
        }

        double objective = Objective(theta),
            gradientMax = double.PositiveInfinity;
        var iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            var gradient = new double[size];
            var hessian = new double[free, free];
            var outer = new double[p, p];
            for (var i = 0; i < n; i++)
            {
                var prob = AcousticClassifier.Softmax(Logits(theta, rows[i], classes, p));
                var r = rows[i];
                for (var c = 0; c < classes; c++)
                {
                    var residual = s[i] * (prob[c] - (y[i] == c ? 1 : 0));
                    for (var a = 0; a < p; a++)
                        gradient[c * p + a] += residual * r[a];
                }
                for (var a = 0; a < p; a++)
                {
                    for (var b = 0; b < p; b++)
                        outer[a, b] = r[a] * r[b];
                }

                for (var c = 0; c < classes; c++)
                {
                    for (var c2 = 0; c2 < classes; c2++)
                    {
                        var w = s[i] * prob[c] * ((c == c2 ? 1 : 0) - prob[c2]);
                        for (var a = 0; a < p; a++)
                        {
                            var row = c * p + a;
                            if (row >= free)
                                continue;
                            for (var b = 0; b < p; b++)
                            {
                                var col = c2 * p + b;
                                if (col < free)
                                    hessian[row, col] += w * outer[a, b];
                            }
                        }
                    }
                }
            }
            for (var c = 0; c < classes; c++)
            {
                for (var a = 0; a < d; a++)
                {
                    gradient[c * p + a] += lambda * theta[c * p + a];
                    hessian[c * p + a, c * p + a] += lambda;
                }
            }

            gradientMax = gradient.Take(free).Max(Math.Abs);
            if (gradientMax <= 1e-10 * Math.Max(1, s.Sum()))
                break;

            var step = Matrix<double>
                .Build.DenseOfArray(hessian)
                .Cholesky()
                .Solve(Vector<double>.Build.DenseOfEnumerable(gradient.Take(free)));
            var decrease = step.DotProduct(Vector<double>.Build.DenseOfEnumerable(gradient.Take(free)));
            // Backtracking (Armijo): a full Newton step almost always; halve while the objective does not fall enough.
            double scale = 1;
            var candidate = new double[size];
            double value;
            while (true)
            {
                for (var k = 0; k < free; k++)
                    candidate[k] = theta[k] - scale * step[k];
                value = Objective(candidate);
                if (value <= objective - 1e-4 * scale * decrease || scale < 1e-10)
                    break;
                scale /= 2;
            }
            if (value > objective)
                break; // no descent left at double precision
            Array.Copy(candidate, theta, size);
            objective = value;
        }

        var weights = Enumerable.Range(0, classes).Select(c => theta.AsSpan(c * p, d).ToArray()).ToArray();
        var bias = Enumerable.Range(0, classes).Select(c => theta[c * p + d]).ToArray();
        var meanBias = bias.Average();
        return new Fit(weights, bias.Select(b => b - meanBias).ToArray(), iteration, objective, gradientMax);
    }

    private static double[] Logits(double[] theta, double[] row, int classes, int p)
    {
        var logits = new double[classes];
        for (var c = 0; c < classes; c++)
        {
            double v = 0;
            for (var a = 0; a < p; a++)
                v += theta[c * p + a] * row[a];
            logits[c] = v;
        }
        return logits;
    }

    private static double LogSumExp(double[] v)
    {
        double max = v.Max(),
            sum = 0;
        foreach (var x in v)
            sum += Math.Exp(x - max);
        return max + Math.Log(sum);
    }
}
