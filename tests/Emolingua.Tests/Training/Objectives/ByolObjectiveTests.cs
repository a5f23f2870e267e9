using Emolingua.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training.Objectives;

public class ByolObjectiveTests
{
    [Fact]
    public void IdenticalDirectionsGiveZero()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, -1, 0, 2 }, new long[] { 2, 3 });
        Assert.Equal(0f, ByolLoss.Symmetric(a, a * 3, a * 0.5f, a).item<float>(), 6);
    }

    [Fact]
    public void OppositeDirectionsGiveEight()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, -1, 0, 2 }, new long[] { 2, 3 });
        // Each term is 2 − 2·(−1) = 4; symmetric sum 8, mean over the batch 8.
        Assert.Equal(8f, ByolLoss.Symmetric(a, -a, a, -2 * a).item<float>(), 5);
    }

    [Fact]
    public void MatchesReferenceOnTinyCase()
    {
        // Constants from reference/byol_reference.py (torch 1.13 twin, lucidrains loss_fn).
        using var scope = torch.NewDisposeScope();
        var p1 = torch.tensor(new double[] { 1.0, 2.0, -1.0, 0.5, 0.0, 3.0 }, new long[] { 2, 3 });
        var z2 = torch.tensor(new double[] { 2.0, 1.0, 0.0, -1.0, 1.0, 1.0 }, new long[] { 2, 3 });
        var p2 = torch.tensor(new double[] { 0.0, 1.0, 1.0, 3.0, -2.0, 0.5 }, new long[] { 2, 3 });
        var z1 = torch.tensor(new double[] { 1.0, 1.0, 1.0, 0.2, 0.4, -0.6 }, new long[] { 2, 3 });
        Assert.Equal(2.1621834524, ByolLoss.Symmetric(p1, z2, p2, z1).item<double>(), 9);
        var term = ByolLoss.Regression(p1, z2).data<double>().ToArray();
        Assert.Equal(0.5394065133195569, term[0], 12);
        Assert.Equal(1.0508420042475008, term[1], 12);
    }

    [Fact]
    public void TargetsAreDetached()
    {
        using var scope = torch.NewDisposeScope();
        var p1 = torch.randn(4, 8).requires_grad_(true);
        var p2 = torch.randn(4, 8).requires_grad_(true);
        var t1 = torch.randn(4, 8).requires_grad_(true);
        var t2 = torch.randn(4, 8).requires_grad_(true);
        ByolLoss.Symmetric(p1, t2, p2, t1).backward();
        Assert.NotNull(p1.grad);
        Assert.NotNull(p2.grad);
        Assert.Null(t1.grad);
        Assert.Null(t2.grad);
    }

    [Fact]
    public void LambdaDecaysLinearlyFromPointEightToPointTwo()
    {
        Assert.Equal(0.8, LambdaSchedule.Linear(0, 1000), 12);
        Assert.Equal(0.5, LambdaSchedule.Linear(500, 1000), 12);
        Assert.Equal(0.2, LambdaSchedule.Linear(1000, 1000), 12);
        Assert.Equal(0.2, LambdaSchedule.Linear(5000, 1000), 12); // clamped after the end
        Assert.Equal(0.65, LambdaSchedule.Linear(1, 4), 12);
        Assert.Equal(0.3, LambdaSchedule.Linear(1, 2, start: 0.0, end: 0.6), 12);
    }

    [Fact]
    public void MixedObjectiveWeightsCeAndByol()
    {
        using var scope = torch.NewDisposeScope();
        // (1 − 0.25)·1 + 0.25·3 = 1.5
        Assert.Equal(1.5f, LambdaSchedule.Mixed(torch.tensor(1f), torch.tensor(3f), 0.25).item<float>(), 6);
    }
}
