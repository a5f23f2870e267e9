namespace Emolingua.Scoring;

/// <summary>
/// Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"): one scalar T &gt; 0 divides every
/// logit, softmax(z / T), so confidences match accuracies better while the top class of a window never changes.
/// T is fitted by minimising the negative log-likelihood of held-out clips (the English validation set at the end of
/// training). A clip read as several windows is scored the way Emolingua reports it, by the mean of its windows'
/// probabilities, so the T that is fitted is the one that calibrates what <c>predict</c> prints.
/// Lives in Scoring (below Models, Training and Evaluation, which all use it): it is arithmetic on logits and labels.
/// </summary>
public static class TemperatureScaling
{
    /// <summary>Equal-width confidence bins of the expected calibration error (Guo et al. use 15).</summary>
    public const int EceBins = 15;

    /// <summary>The search range of T. A validation set the model separates perfectly drives T towards 0; the bound
    /// stops it.</summary>
    public const double MinTemperature = 0.01,
        MaxTemperature = 100;

    /// <summary>A fitted temperature and what it did on the data it was fitted on.</summary>
    public sealed record Fit(
        double Temperature,
        double NllBefore,
        double NllAfter,
        double EceBefore,
        double EceAfter,
        int Clips,
        int Windows
    );

    /// <summary>softmax(logits / T), computed in double precision.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits, double temperature)
    {
        var p = new double[logits.Length];
        var max = double.NegativeInfinity;
        for (var k = 0; k < logits.Length; k++)
            max = Math.Max(max, logits[k] / temperature);
        double sum = 0;
        for (var k = 0; k < logits.Length; k++)
            sum += p[k] = Math.Exp(logits[k] / temperature - max);
        for (var k = 0; k < logits.Length; k++)
            p[k] /= sum;
        return p;
    }

    /// <summary>
    /// Probabilities made at temperature <paramref name="from"/> turned into those at temperature
    /// <paramref name="to"/>: softmax((from / to) · log p). Exact, because log p equals z / from up to a constant that
    /// softmax ignores; this lets a caller that only sees an engine's calibrated probabilities recover the uncalibrated
    /// ones (to = 1).
    /// </summary>
    public static float[] Rescale(ReadOnlySpan<float> probabilities, double from, double to)
    {
        double ratio = from / to,
            max = double.NegativeInfinity;
        var z = new double[probabilities.Length];
        for (var k = 0; k < z.Length; k++)
            max = Math.Max(max, z[k] = ratio * Math.Log(probabilities[k]));
        double sum = 0;
        for (var k = 0; k < z.Length; k++)
            sum += z[k] = Math.Exp(z[k] - max);
        return z.Select(v => (float)(v / sum)).ToArray();
    }

    /// <summary>A clip's probabilities at temperature T: the mean over its windows of softmax(z_w / T).</summary>
    public static double[] ClipProbabilities(IReadOnlyList<float[]> windowLogits, double temperature)
    {
        var mean = new double[windowLogits[0].Length];
        foreach (var z in windowLogits)
        {
            var p = Softmax(z, temperature);
            for (var k = 0; k < mean.Length; k++)
                mean[k] += p[k] / windowLogits.Count;
        }
        return mean;
    }

    /// <summary>Mean negative log-likelihood of the true class over clips, each given as its windows' logits
    /// [W][classes].</summary>
    public static double NegativeLogLikelihood(
        IReadOnlyList<IReadOnlyList<float[]>> clips,
        IReadOnlyList<int> labels,
        double temperature
    )
    {
        double total = 0;
        for (var c = 0; c < clips.Count; c++)
        {
            // log of the mean of the windows' probabilities, as a log-sum-exp of log-softmax values: no underflow at
            // small T.
            var logs = clips[c].Select(z => LogSoftmax(z, temperature)[labels[c]]).ToArray();
            var max = logs.Max();
            total -= max + Math.Log(logs.Sum(l => Math.Exp(l - max)) / logs.Length);
        }
        return total / clips.Count;
    }

    private static double[] LogSoftmax(float[] logits, double temperature)
    {
        var max = logits.Max() / temperature;
        var lse = max + Math.Log(logits.Sum(z => Math.Exp(z / temperature - max)));
        return logits.Select(z => z / temperature - lse).ToArray();
    }

    /// <summary>
    /// The T in [<see cref="MinTemperature"/>, <see cref="MaxTemperature"/>] that minimises the clips' NLL: a scan of
    /// log T in steps of 0.1 brackets the minimum, then golden-section search on log T narrows it to 1e-6.
    /// </summary>
    public static Fit FitTemperature(IReadOnlyList<IReadOnlyList<float[]>> clips, IReadOnlyList<int> labels)
    {
        if (clips.Count == 0)
            throw new ArgumentException("temperature scaling needs at least one labelled clip");
        if (clips.Count != labels.Count)
            throw new ArgumentException($"{clips.Count} clips but {labels.Count} labels");
        double Nll(double logT) => NegativeLogLikelihood(clips, labels, Math.Exp(logT));
        double lo = Math.Log(MinTemperature),
            hi = Math.Log(MaxTemperature),
            step = 0.1;
        var points = (int)Math.Round((hi - lo) / step);
        var best = Enumerable.Range(0, points + 1).MinBy(i => Nll(lo + i * step));
        double a = lo + Math.Max(0, best - 1) * step,
            b = lo + Math.Min(points, best + 1) * step;
        var invPhi = (Math.Sqrt(5) - 1) / 2;
        double x1 = b - invPhi * (b - a),
            x2 = a + invPhi * (b - a),
            f1 = Nll(x1),
            f2 = Nll(x2);
        while (b - a > 1e-6)
        {
            if (f1 <= f2)
            {
                b = x2;
                x2 = x1;
                f2 = f1;
                x1 = b - invPhi * (b - a);
                f1 = Nll(x1);
            }
            else
            {
                a = x1;
                x1 = x2;
                f1 = f2;
                x2 = a + invPhi * (b - a);
                f2 = Nll(x2);
            }
        }
        var temperature = Math.Exp((a + b) / 2);
        var before = clips.Select(c => ToFloats(ClipProbabilities(c, 1))).ToList();
        var after = clips.Select(c => ToFloats(ClipProbabilities(c, temperature))).ToList();
        return new Fit(
            temperature,
            Nll(0),
            Nll(Math.Log(temperature)),
            ExpectedCalibrationError(before, labels),
            ExpectedCalibrationError(after, labels),
            clips.Count,
            clips.Sum(c => c.Count)
        );
    }

    /// <summary>
    /// Expected calibration error: clips binned by confidence (top probability) into <paramref name="bins"/>
    /// equal-width bins (i/M, (i+1)/M]; ECE = Σ_bins |B|/n · |accuracy(B) − mean confidence(B)|.
    /// </summary>
    public static double ExpectedCalibrationError(
        IReadOnlyList<float[]> probabilities,
        IReadOnlyList<int> labels,
        int bins = EceBins
    )
    {
        if (probabilities.Count != labels.Count)
            throw new ArgumentException($"{probabilities.Count} rows but {labels.Count} labels");
        if (probabilities.Count == 0)
            return 0;
        var count = new int[bins];
        var correct = new double[bins];
        var confidence = new double[bins];
        for (var i = 0; i < probabilities.Count; i++)
        {
            var p = probabilities[i];
            var predicted = ClassProbabilities.ArgMax(p);
            double top = p[predicted];
            var bin = Math.Clamp((int)Math.Ceiling(top * bins) - 1, 0, bins - 1);
            count[bin]++;
            confidence[bin] += top;
            if (predicted == labels[i])
                correct[bin]++;
        }
        double ece = 0;
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0)
                ece += Math.Abs(correct[b] - confidence[b]) / probabilities.Count;
        }

        return ece;
    }

    private static float[] ToFloats(double[] p) => p.Select(v => (float)v).ToArray();
}
