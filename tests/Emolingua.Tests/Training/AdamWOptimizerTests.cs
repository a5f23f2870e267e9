using Emolingua.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training;

public class AdamWOptimizerTests
{
    // From reference/adamw_reference.py (torch.optim.AdamW, lr 0.1, wd 0.01, float64).
    private static readonly double[][] PyTorchTrajectory =
    {
        new[] { 0.899000002000, -1.898000001000, 0.499500000000 },
        new[] { 0.804883040475, -1.932712353471, 0.573414180252 },
        new[] { 0.824713859843, -1.961906977124, 0.589280154859 },
    };
    private static readonly double[][] Gradients =
    {
        new[] { 0.5, -1.0, 0.0 },
        new[] { 0.25, 2.0, -0.5 },
        new[] { -1.0, 0.1, 0.3 },
    };

    [Fact]
    public void MatchesTorchAdamWOverThreeSteps()
    {
        var p = new Parameter(tensor(new[] { 1.0, -2.0, 0.5 }));
        using var opt = new AdamWOptimizer(new[] { ("p", p) }, learningRate: 0.1, weightDecay: 0.01);
        for (var step = 0; step < 3; step++)
        {
            opt.ZeroGrad();
            p.grad = tensor(Gradients[step]);
            opt.StepOnce();
            var values = p.data<double>().ToArray();
            for (var i = 0; i < 3; i++)
                Assert.Equal(PyTorchTrajectory[step][i], values[i], 9);
        }
    }

    [Fact]
    public void SavedStateResumesIdentically()
    {
        var a = new Parameter(tensor(new[] { 1.0f, -2.0f, 0.5f }));
        using var optA = new AdamWOptimizer(new[] { ("p", a) }, 0.1);
        optA.ZeroGrad();
        a.grad = tensor(Gradients[0].Select(x => (float)x).ToArray());
        optA.StepOnce();
        var saved = optA.StateTensors();

        var b = new Parameter(tensor(a.data<float>().ToArray()));
        using var optB = new AdamWOptimizer(new[] { ("p", b) }, 0.1);
        optB.LoadState(optA.Step, saved);
        foreach (var (p, opt) in new[] { (a, optA), (b, optB) })
        {
            opt.ZeroGrad();
            p.grad = tensor(Gradients[1].Select(x => (float)x).ToArray());
            opt.StepOnce();
        }
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
        Assert.Equal(2, optB.Step);
    }

    [Fact]
    public void FrozenParametersAreNotUpdated()
    {
        var frozen = new Parameter(ones(2), requires_grad: false);
        var trained = new Parameter(ones(2));
        using var opt = new AdamWOptimizer(new[] { ("f", frozen), ("t", trained) }, 0.1);
        Assert.Single(opt.Parameters);
        trained.grad = ones(2);
        opt.StepOnce();
        Assert.Equal(new[] { 1f, 1f }, frozen.data<float>().ToArray());
        Assert.True(trained.data<float>()[0] < 1f);
    }
}
