using Emolingua.Evaluation;

namespace Emolingua.Tests.Evaluation;

public class AggregationTests
{
    [Fact]
    public void MeanStd_IsSampleStd()
    {
        // values 0.5, 0.6, 0.7: mean 0.6, sample std (ddof=1) = sqrt(0.02/2) = 0.1 (population std would be 0.0816).
        var m = Aggregation.MeanStd([0.5, 0.6, 0.7]);
        Assert.Equal(0.6, m.Mean, 12);
        Assert.Equal(0.1, m.Std, 12);
        Assert.Equal(new MeanStd(0.3, 0), Aggregation.MeanStd([0.3]));
    }

    [Fact]
    public void ConfusionDifference_OnHandMadeMatrices()
    {
        int[][] c1 =

            [
                [10, 0],
                [2, 8],
            ],
            c2 =

            [
                [12, 2],
                [0, 6],
            ];
        int[][] b1 =

            [
                [5, 5],
                [4, 6],
            ],
            b2 =

            [
                [6, 3],
                [3, 8],
            ];
        // mean contrastive [[11,1],[1,7]] − mean baseline [[5.5,4],[3.5,7]] = [[5.5,-3],[-2.5,0]].
        var d = Aggregation.ConfusionDifference([c1, c2], [b1, b2]);
        Assert.Equal([5.5, -3.0], d[0]);
        Assert.Equal([-2.5, 0.0], d[1]);
    }
}
