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

    [Fact]
    public void OnePassUpdateEqualsLibtorchTensorOperations()
    {
        // 70,001 elements: two fused chunks, vectors and a scalar tail; compared with libtorch's element-wise kernels
        // (the tensor-operation update, which MatchesTorchAdamWOverThreeSteps pins to torch.optim.AdamW).
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var fused = new Parameter(randn(70_001, generator: generator));
        var initial = fused.detach().clone();
        var reference = fused.detach().clone();
        var (m, v) = (zeros_like(reference), zeros_like(reference));
        using var opt = new AdamWOptimizer(new[] { ("p", fused) }, learningRate: 0.05, weightDecay: 0.1);
        for (var step = 1; step <= 3; step++)
        {
            var g = randn(70_001, generator: generator);
            opt.ZeroGrad();
            fused.grad = g.clone();
            Assert.NotNull(FusedAdamW.Slot.Of(fused, fused.grad, m, v)); // the one-pass loop takes it
            opt.StepOnce();
            var c = new AdamWCoefficients(
                Decay: 1 - 0.05 * 0.1,
                Beta1: 0.9,
                Beta2: 0.999,
                Correction2: Math.Sqrt(1 - Math.Pow(0.999, step)),
                Epsilon: 1e-8,
                StepSize: -0.05 / (1 - Math.Pow(0.9, step))
            );
            AdamWOptimizer.UpdateWithTensorOps(new[] { (reference, g, m, v) }, c);
        }
        var a = fused.detach().data<float>().ToArray();
        var b = reference.data<float>().ToArray();
        // libtorch's vector kernels may fuse a multiply-add where the loop rounds twice: a few ulps of the terms
        // (values of order 1, steps of order lr) apart at most, even where they cancel to near zero.
        var worst = a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Max(Math.Abs(y), 1f)).Max();
        Assert.True(worst < 1e-6, $"largest difference {worst}");
        Assert.False(allclose(initial, reference)); // three steps moved the values
    }

    [Fact]
    public void NonContiguousParametersTakeTheTensorOperationPath()
    {
        using var scope = NewDisposeScope();
        var strided = new Parameter(arange(8, dtype: ScalarType.Float32).reshape(2, 4).t());
        Assert.False(strided.is_contiguous());
        using var opt = new AdamWOptimizer(new[] { ("s", strided) }, 0.1);
        strided.grad = ones(4, 2);
        Assert.Null(FusedAdamW.Slot.Of(strided, strided.grad, zeros(4, 2), zeros(4, 2)));
        opt.StepOnce();
        // First step: m̂/(√v̂ + ε) = 1 for a unit gradient, so each value x becomes x·(1 − lr·wd) − lr.
        var expected = new[] { 0f, 4, 1, 5, 2, 6, 3, 7 }.Select(x => x * (1 - 0.1f * 0.01f) - 0.1f).ToArray();
        var actual = strided.detach().contiguous().data<float>().ToArray();
        for (var i = 0; i < 8; i++)
            Assert.Equal(expected[i], actual[i], 5);
    }
}
