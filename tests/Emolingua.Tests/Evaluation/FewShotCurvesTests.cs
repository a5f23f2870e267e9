using Emolingua.Evaluation;
using Emolingua.Util;

namespace Emolingua.Tests.Evaluation;

public class FewShotCurvesTests
{
    private static FewShotCell Cell(string method, int k, int fold, int draw, double uar) =>
        new()
        {
            Method = method,
            Corpus = "emodb",
            K = k,
            Fold = fold,
            Draw = draw,
            Mode = AdaptationMode.Head,
            Accuracy = uar + 0.1,
            MacroF1 = uar - 0.1,
            Uar = uar,
            Count = 10,
        };

    private static ResultSummary ZeroShot(string method) =>
        new()
        {
            Method = method,
            Corpus = "emodb",
            Accuracy = new MeanStd(0.31, 0.02),
            MacroF1 = new MeanStd(0.22, 0.03),
            Uar = new MeanStd(0.3, 0.05),
            Runs = 2,
        };

    [Fact]
    public void KZeroIsTheZeroShotResultAndOtherKsAggregateFoldsAndDraws()
    {
        var cells = new[]
        {
            Cell("baseline", 1, 1, 0, 0.4),
            Cell("baseline", 1, 1, 1, 0.5),
            Cell("baseline", 1, 2, 0, 0.6),
            Cell("baseline", 1, 2, 1, 0.7),
            Cell("baseline", 5, 1, 0, 0.8),
            Cell("baseline", 5, 2, 0, 0.9),
            Cell("byol", 1, 1, 0, 0.5),
        };
        var curves = FewShotCurves.Build(cells, [ZeroShot("baseline"), ZeroShot("byol"), ZeroShot("contrastive")]);
        // baseline: k = 0, 1, 5; byol: k = 0, 1; contrastive has no few-shot cells, so no curve.
        Assert.Equal(
            [("baseline", 0), ("baseline", 1), ("baseline", 5), ("byol", 0), ("byol", 1)],
            curves.Select(c => (c.Method, c.K))
        );
        var zero = curves[0];
        Assert.Equal(new MeanStd(0.3, 0.05), zero.Uar);
        Assert.Equal(new MeanStd(0.31, 0.02), zero.Accuracy);
        Assert.Equal(new MeanStd(0.22, 0.03), zero.MacroF1);
        Assert.Equal(2, zero.Runs);
        // k = 1: mean of 0.4, 0.5, 0.6, 0.7 = 0.55, sample std = sqrt(0.05 / 3).
        Assert.Equal(0.55, curves[1].Uar.Mean, 12);
        Assert.Equal(Math.Sqrt(0.05 / 3), curves[1].Uar.Std, 12);
        Assert.Equal(0.65, curves[1].Accuracy.Mean, 12);
        Assert.Equal(4, curves[1].Runs);
        Assert.Equal(0.85, curves[2].Uar.Mean, 12);
        Assert.Equal(AdaptationMode.Head, curves[2].Mode);

        var md = FewShotCurves.RenderMarkdown(curves, ["emodb"]);
        Assert.Contains("| EMO-DB (German) | Baseline | 0.300 (0.050) | 0.550 (0.129) | 0.850 (0.071) |", md);
        Assert.Contains("|  | BYOL | 0.300 (0.050) | 0.500 (0.000) | – |", md);

        var text = FewShotCurves.RenderText(curves, ["emodb"]).Split('\n');
        Assert.Contains(text, l =>
            l.StartsWith("EMO-DB (German)  Baseline") && l.Contains("0.550 (0.129)") && l.EndsWith("0.850 (0.071)")
        );

        using var dir = new TempDir();
        FewShotCurves.SavePlot(dir.File("curve.png"), curves, "emodb", 4, 720, 480);
        PlotTests.AssertPng(dir.File("curve.png"), 720, 480);
    }
}
