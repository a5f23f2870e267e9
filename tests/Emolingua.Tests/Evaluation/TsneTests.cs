using Emolingua.Evaluation;

namespace Emolingua.Tests.Evaluation;

public class TsneTests
{
    /// <summary>4 Gaussian clusters in 50-D (centres ~ N(0, 3²), unit noise), 50 points each.</summary>
    internal static (double[,] X, int[] Labels) Clusters(int perCluster = 50, int dims = 50, int seed = 11)
    {
        var rng = new Random(seed);
        double G() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var centres = new double[4, dims];
        for (var c = 0; c < 4; c++)
        {
            for (var j = 0; j < dims; j++)
                centres[c, j] = 3 * G();
        }

        var n = 4 * perCluster;
        var x = new double[n, dims];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = i % 4;
            for (var j = 0; j < dims; j++)
                x[i, j] = centres[labels[i], j] + G();
        }
        return (x, labels);
    }

    [Theory]
    [InlineData(TsneMethod.Exact)]
    [InlineData(TsneMethod.BarnesHut)]
    public void SeparatesClusters_AndIsTrustworthy(TsneMethod method)
    {
        var (x, labels) = Clusters();
        var y = Tsne.Fit(x, new TsneOptions { Seed = 1, Method = method });
        Assert.Equal(200, y.GetLength(0));
        Assert.Equal(2, y.GetLength(1));
        var trust = TsneQuality.Trustworthiness(x, y, 5);
        var agreement = TsneQuality.NeighborLabelAgreement(y, labels, 5);
        Assert.True(trust > 0.9, $"trustworthiness {trust}");
        Assert.True(agreement > 0.95, $"kNN label agreement {agreement}");
        // Clusters are spread out, not collapsed: the embedding has a non-trivial extent.
        double spread = 0;
        for (var i = 0; i < 200; i++)
            spread = Math.Max(spread, Math.Abs(y[i, 0]));
        Assert.True(spread > 1, $"embedding extent {spread}");
    }

    [Theory]
    [InlineData(TsneMethod.Exact)]
    [InlineData(TsneMethod.BarnesHut)]
    public void SameSeed_SameOutput(TsneMethod method)
    {
        var (x, _) = Clusters(perCluster: 20);
        var o = new TsneOptions
        {
            Seed = 5,
            Iterations = 300,
            Perplexity = 10,
            Method = method,
        };
        var a = Tsne.Fit(x, o);
        var b = Tsne.Fit(x, o);
        var c = Tsne.Fit(x, o with { Seed = 6 });
        var threaded = Tsne.Fit(x, o with { Threads = 2 });
        Assert.Equal(a, b);
        Assert.Equal(a, threaded);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void PcaInit_ThreeDimensions_Works()
    {
        var (x, labels) = Clusters(perCluster: 20);
        var y = Tsne.Fit(
            x,
            new TsneOptions
            {
                Dimensions = 3,
                Init = TsneInit.Pca,
                Perplexity = 10,
                Iterations = 500,
            }
        );
        Assert.Equal(3, y.GetLength(1));
        Assert.True(TsneQuality.NeighborLabelAgreement(y, labels, 5) > 0.95);
    }

    [Fact]
    public void FloatJaggedOverload_MatchesDoubleArray()
    {
        var (x, _) = Clusters(perCluster: 10);
        var jagged = Enumerable
            .Range(0, 40)
            .Select(i => Enumerable.Range(0, 50).Select(j => (float)x[i, j]).ToArray())
            .ToArray();
        var asDouble = new double[40, 50];
        for (var i = 0; i < 40; i++)
        {
            for (var j = 0; j < 50; j++)
                asDouble[i, j] = jagged[i][j];
        }

        var a = Tsne.Fit(jagged, perplexity: 5, seed: 2, iterations: 200);
        var b = Tsne.Fit(
            asDouble,
            new TsneOptions
            {
                Perplexity = 5,
                Seed = 2,
                Iterations = 200,
            }
        );
        Assert.Equal(a, b);
    }

    [Fact]
    public void RejectsPerplexityNotBelowN() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Tsne.Fit(new double[5, 3], new TsneOptions { Perplexity = 30 })
        );

    // X (12×4) and Y (12×2) = np.round(np.random.RandomState(7).rand(12, 4), 3), then .rand(12, 2) rounded.
    private static readonly double[,] TX =
    {
        { 0.076, 0.78, 0.438, 0.723 },
        { 0.978, 0.538, 0.501, 0.072 },
        { 0.268, 0.5, 0.679, 0.804 },
        { 0.381, 0.066, 0.288, 0.91 },
        { 0.213, 0.452, 0.931, 0.025 },
        { 0.601, 0.95, 0.23, 0.548 },
        { 0.909, 0.133, 0.523, 0.75 },
        { 0.669, 0.468, 0.205, 0.491 },
        { 0.372, 0.477, 0.366, 0.838 },
        { 0.769, 0.314, 0.573, 0.276 },
        { 0.453, 0.353, 0.657, 0.37 },
        { 0.459, 0.719, 0.413, 0.906 },
    };
    private static readonly double[,] TY =
    {
        { 0.18, 0.741 },
        { 0.422, 0.426 },
        { 0.634, 0.523 },
        { 0.415, 0.001 },
        { 0.092, 0.709 },
        { 0.524, 0.696 },
        { 0.955, 0.683 },
        { 0.053, 0.309 },
        { 0.593, 0.235 },
        { 0.965, 0.945 },
        { 0.848, 0.472 },
        { 0.841, 0.131 },
    };

    [Theory]
    // sklearn 1.2.1 sklearn.manifold.trustworthiness(TX, TY, n_neighbors=k), computed with /usr/bin/python3 and pasted.
    [InlineData(1, 0.5583333333333333)]
    [InlineData(3, 0.5515873015873016)]
    [InlineData(5, 0.5791666666666666)]
    public void Trustworthiness_MatchesSklearn(int k, double expected) =>
        Assert.Equal(expected, TsneQuality.Trustworthiness(TX, TY, k), 12);

    [Fact]
    public void JointProbabilities_MatchSklearn()
    {
        // X = np.round(np.random.RandomState(5).rand(8, 3) * 4, 2); reference rows 0 and 5 of
        // squareform(sklearn.manifold._t_sne._joint_probabilities(pairwise_distances(X, squared=True), 3.0, 0)),
        // sklearn 1.2.1, pasted. sklearn stops its bisection at |H − ln perp| ≤ 1e-5 and uses float32 distances,
        // so agreement is to ~1e-4 relative, not bitwise.
        double[] x =
        [
            0.89,
            3.48,
            0.83,
            3.67,
            1.95,
            2.45,
            3.06,
            2.07,
            1.19,
            0.75,
            0.32,
            2.95,
            1.77,
            0.63,
            3.52,
            1.1,
            1.66,
            1.18,
            2.52,
            2.32,
            2.4,
            1.06,
            1.14,
            1.01,
        ];
        double[] row0 =
        [
            0.0,
            0.00044342610746512265,
            0.006054761931245654,
            0.00020793775866599483,
            6.850439386167286e-05,
            0.04461710567257408,
            0.0072209191142945306,
            0.014981740485533425,
        ];
        double[] row5 =
        [
            0.04461710567257408,
            0.002022851219470832,
            0.009629270677725035,
            0.010882111466193566,
            0.003921342127906854,
            0.0,
            0.008536310673876887,
            0.08657966562341046,
        ];
        var p = Tsne.ExactAffinities(x, 8, 3, 3.0);
        Assert.Equal(1.0, p.Sum(), 9);
        for (var j = 0; j < 8; j++)
        {
            Assert.True(Math.Abs(p[j] - row0[j]) <= 2e-4 * row0[j] + 1e-12, $"P[0,{j}] = {p[j]}, sklearn {row0[j]}");
            Assert.True(
                Math.Abs(p[5 * 8 + j] - row5[j]) <= 2e-4 * row5[j] + 1e-12,
                $"P[5,{j}] = {p[5 * 8 + j]}, sklearn {row5[j]}"
            );
        }
    }

    [Fact]
    public void Trustworthiness_IdentityIsOne() => Assert.Equal(1.0, TsneQuality.Trustworthiness(TX, TX, 3), 12);
}
