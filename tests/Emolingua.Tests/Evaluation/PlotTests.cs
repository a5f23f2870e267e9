using Emolingua.Evaluation;
using SkiaSharp;

namespace Emolingua.Tests.Evaluation;

public class PlotTests
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];

    /// <summary>Checks the file is a PNG of the requested size with more than one colour (not blank).</summary>
    internal static void AssertPng(string path, int width, int height)
    {
        Assert.True(File.Exists(path), path);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        using var bmp = SKBitmap.Decode(bytes);
        Assert.NotNull(bmp);
        Assert.Equal(width, bmp.Width);
        Assert.Equal(height, bmp.Height);
        // Luminance variance over a pixel grid must be > 0.
        double sum = 0,
            sum2 = 0;
        var count = 0;
        for (var y = 0; y < bmp.Height; y += 3)
        {
            for (var x = 0; x < bmp.Width; x += 3)
            {
                var c = bmp.GetPixel(x, y);
                var l = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                sum += l;
                sum2 += l * l;
                count++;
            }
        }

        var variance = sum2 / count - (sum / count) * (sum / count);
        Assert.True(variance > 1, $"image looks blank (luminance variance {variance})");
    }

    [Fact]
    public void ConfusionMatrix_WritesReadablePng()
    {
        using var dir = new TempDir();
        int[][] cm =
        [
            [60, 20, 5, 2],
            [18, 40, 10, 3],
            [1, 4, 50, 24],
            [0, 1, 30, 47],
        ];
        var path = dir.File("cm.png");
        EvaluationPlots.SaveConfusionMatrix(path, cm, Labels, "EMO-DB: contrastive", 640, 560);
        AssertPng(path, 640, 560);
        // Mean (fractional) counts, including an all-zero row.
        double[][] mean =
        [
            [1.5, 0, 0, 0],
            [0, 0, 0, 0],
            [0, 0, 2.25, 0],
            [0, 0, 0, 3],
        ];
        EvaluationPlots.SaveConfusionMatrix(dir.File("mean.png"), mean, Labels, "mean", 400, 380);
        AssertPng(dir.File("mean.png"), 400, 380);
    }

    [Fact]
    public void TsneFigure_OnePanelPerMethod()
    {
        using var dir = new TempDir();
        var rng = new Random(4);
        var labels = Enumerable.Range(0, 120).Select(i => i % 4).ToArray();
        TsnePanel Panel(string title, double spread)
        {
            var y = new double[120, 2];
            for (var i = 0; i < 120; i++)
            {
                y[i, 0] = labels[i] * spread + rng.NextDouble();
                y[i, 1] = (labels[i] % 2) * spread + rng.NextDouble();
            }
            return new TsnePanel(title, y, labels);
        }
        var path = dir.File("tsne_emodb.png");
        EvaluationPlots.SaveTsneFigure(
            path,
            "EMO-DB",
            [Panel("Baseline", 0.5), Panel("Contrastive", 3), Panel("BYOL", 2)],
            Labels,
            400,
            420
        );
        AssertPng(path, 3 * 400, 420 + 44);
    }

    [Fact]
    public void ConfusionMatrix_RejectsShapeMismatch()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() =>
            EvaluationPlots.SaveConfusionMatrix(
                dir.File("x.png"),
                new[] { new[] { 1, 2 }, new[] { 3, 4 } },
                Labels,
                "x"
            )
        );
    }
}

public class TsneFigureEndToEndTests
{
    [Fact]
    public void FitAndSave_SmallCorpus()
    {
        using var dir = new TempDir();
        var (x, labels) = TsneTests.Clusters(perCluster: 10, dims: 16);
        var emb = Enumerable
            .Range(0, 40)
            .Select(i => Enumerable.Range(0, 16).Select(j => (float)x[i, j]).ToArray())
            .ToArray();
        var path = dir.File("tsne.png");
        // 40 points: perplexity 30 is capped to 13 instead of failing.
        var panels = EvaluationPlots.FitAndSaveTsneFigure(
            path,
            "tiny",
            [new EmbeddingSet("Baseline", emb, labels), new EmbeddingSet("BYOL", emb, labels)],
            ["angry", "happy", "neutral", "sad"],
            new TsneOptions { Iterations = 300 },
            300,
            300
        );
        Assert.Equal(2, panels.Count);
        Assert.Equal(panels[0].Embedding, panels[1].Embedding); // same data, same seed
        PlotTests.AssertPng(path, 600, 344);
    }
}
