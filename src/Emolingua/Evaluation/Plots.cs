using System.Globalization;
using Emolingua.Util;
using ScottPlot;
using SkiaSharp;

namespace Emolingua.Evaluation;

/// <summary>One t-SNE panel: a method's 2-D embedding of a corpus with each point's class index.</summary>
public sealed record TsnePanel(string Title, double[,] Embedding, IReadOnlyList<int> Labels);

/// <summary>One method's raw embeddings of a corpus (e.g. pooled encoder outputs of the test set) with class
/// indices.</summary>
public sealed record EmbeddingSet(string Title, float[][] Embeddings, IReadOnlyList<int> Labels);

/// <summary>Headless PNG figures (ScottPlot 5 on SkiaSharp): confusion-matrix heatmaps and Figure-3-style t-SNE
/// rows.</summary>
public static class EvaluationPlots
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Class colours: angry red, happy orange, neutral grey, sad blue (then Category10 for extra
    /// classes).</summary>
    public static Color ClassColor(int index) =>
        index switch
        {
            0 => Color.FromHex("#d62728"),
            1 => Color.FromHex("#ff7f0e"),
            2 => Color.FromHex("#7f7f7f"),
            3 => Color.FromHex("#1f77b4"),
            _ => new ScottPlot.Palettes.Category10().GetColor(index),
        };

    public static void SaveConfusionMatrix(
        string path,
        int[][] matrix,
        IReadOnlyList<string> labels,
        string title,
        int width = 640,
        int height = 560
    ) =>
        SaveConfusionMatrix(
            path,
            matrix.Select(r => r.Select(v => (double)v).ToArray()).ToArray(),
            labels,
            title,
            width,
            height
        );

    /// <summary>
    /// Heatmap of a [true, pred] matrix (counts, or mean counts over runs): cell text = count and row percentage;
    /// colour = row-normalised fraction (recall along the diagonal), so rare classes stay readable.
    /// </summary>
    public static void SaveConfusionMatrix(
        string path,
        double[][] matrix,
        IReadOnlyList<string> labels,
        string title,
        int width = 640,
        int height = 560
    )
    {
        var c = labels.Count;
        if (matrix.Length != c || matrix.Any(r => r.Length != c))
            throw new ArgumentException($"matrix must be {c}×{c} to match the labels");
        var plot = new Plot();
        var cmap = new ScottPlot.Colormaps.Blues();
        var integral = matrix.All(r => r.All(v => v == Math.Floor(v)));
        for (var r = 0; r < c; r++)
        {
            var rowSum = matrix[r].Sum();
            for (var col = 0; col < c; col++)
            {
                double v = matrix[r][col],
                    frac = rowSum > 0 ? v / rowSum : 0;
                double yc = c - 1 - r; // truth row 0 at the top
                var rect = plot.Add.Rectangle(col - 0.5, col + 0.5, yc - 0.5, yc + 0.5);
                rect.FillColor = cmap.GetColor(1 - frac); // ScottPlot's Blues runs dark → light
                rect.LineColor = Colors.White;
                rect.LineWidth = 1;
                var count = integral ? v.ToString("0", Inv) : v.ToString("0.0", Inv);
                var text = plot.Add.Text($"{count}\n{frac.ToString("0%", Inv)}", col, yc);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 15;
                text.LabelBold = r == col;
                text.LabelFontColor = frac > 0.55 ? Colors.White : Colors.Black;
            }
        }
        var ticks = Enumerable.Range(0, c).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, labels.ToArray());
        plot.Axes.Left.SetTicks(ticks, labels.Reverse().ToArray());
        plot.Axes.SetLimits(-0.5, c - 0.5, -0.5, c - 0.5);
        plot.HideGrid();
        plot.XLabel("Predicted");
        plot.YLabel("True");
        plot.Title(title);
        Save(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }

    /// <summary>
    /// Figure 3 layout: one row of panels (e.g. Baseline | Contrastive | BYOL) for one corpus, points coloured by
    /// class with a legend under each panel; panels are rendered side by side on one Skia canvas.
    /// </summary>
    public static void SaveTsneFigure(
        string path,
        string title,
        IReadOnlyList<TsnePanel> panels,
        IReadOnlyList<string> labels,
        int panelWidth = 480,
        int panelHeight = 500
    )
    {
        if (panels.Count == 0)
            throw new ArgumentException("no panels");
        const int titleHeight = 44;
        int width = panelWidth * panels.Count,
            height = panelHeight + titleHeight;
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using (var font = new SKFont(SKTypeface.FromFamilyName(null, SKFontStyle.Bold), 22))
            using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
                canvas.DrawText(title, width / 2f, 30, SKTextAlign.Center, font, paint);
            for (var k = 0; k < panels.Count; k++)
            {
                // Each panel is rendered to its own PNG and blitted: Plot.Render(canvas, rect) clears the whole canvas.
                using var plot = PanelPlot(panels[k], labels);
                using var panel = SKBitmap.Decode(plot.GetImageBytes(panelWidth, panelHeight, ImageFormat.Png));
                canvas.DrawBitmap(panel, k * panelWidth, titleHeight);
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        Save(path, data.ToArray());
    }

    /// <summary>
    /// Runs t-SNE on each set (same options and seed for every panel; perplexity capped at (N − 1) / 3 so small
    /// corpora work) and saves the Figure 3 row. Returns the panels so callers can also score or store them.
    /// </summary>
    public static IReadOnlyList<TsnePanel> FitAndSaveTsneFigure(
        string path,
        string title,
        IReadOnlyList<EmbeddingSet> sets,
        IReadOnlyList<string> labels,
        TsneOptions? options = null,
        int panelWidth = 480,
        int panelHeight = 500
    )
    {
        var o = options ?? new TsneOptions();
        var panels = sets.Select(s =>
            {
                if (s.Embeddings.Length != s.Labels.Count)
                {
                    throw new ArgumentException(
                        $"set '{s.Title}': {s.Labels.Count} labels for {s.Embeddings.Length} embeddings"
                    );
                }

                var perplexity = Math.Min(o.Perplexity, (s.Embeddings.Length - 1) / 3.0);
                return new TsnePanel(s.Title, Tsne.Fit(s.Embeddings, o with { Perplexity = perplexity }), s.Labels);
            })
            .ToList();
        SaveTsneFigure(path, title, panels, labels, panelWidth, panelHeight);
        return panels;
    }

    private static Plot PanelPlot(TsnePanel panel, IReadOnlyList<string> labels)
    {
        var y = panel.Embedding;
        var n = y.GetLength(0);
        if (y.GetLength(1) != 2)
            throw new ArgumentException($"panel '{panel.Title}': embedding must be n×2");
        if (panel.Labels.Count != n)
            throw new ArgumentException($"panel '{panel.Title}': {panel.Labels.Count} labels for {n} points");
        var plot = new Plot();
        for (var c = 0; c < labels.Count; c++)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (var i = 0; i < n; i++)
            {
                if (panel.Labels[i] == c)
                {
                    xs.Add(y[i, 0]);
                    ys.Add(y[i, 1]);
                }
            }

            var markers = plot.Add.Markers(
                xs.ToArray(),
                ys.ToArray(),
                MarkerShape.FilledCircle,
                5,
                ClassColor(c).WithAlpha(0.75)
            );
            markers.LegendText = labels[c];
        }
        plot.ShowLegend(Edge.Bottom);
        plot.Title(panel.Title);
        plot.Axes.Bottom.TickLabelStyle.IsVisible = false;
        plot.Axes.Left.TickLabelStyle.IsVisible = false;
        plot.HideGrid();
        return plot;
    }

    private static void Save(string path, byte[] png) => AtomicFile.WriteAllBytes(path, png);
}
