using Emolingua.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training.Objectives;

public class EmaTests
{
    private static void Set(Tensor parameter, params float[] values)
    {
        using var noGrad = torch.no_grad();
        using var v = torch.tensor(values).reshape(parameter.shape);
        parameter.copy_(v);
    }

    [Fact]
    public void UpdateIsHandComputedEmaOfParameters()
    {
        using var scope = torch.NewDisposeScope();
        var target = nn.Linear(2, 1);
        var online = nn.Linear(2, 1);
        Set(target.weight!, 1, 2);
        Set(target.bias!, 0.5f);
        Set(online.weight!, 3, 4);
        Set(online.bias!, -0.5f);
        Ema.Update(target, online, 0.9);
        // 0.9·[1, 2] + 0.1·[3, 4] = [1.2, 2.2]; 0.9·0.5 + 0.1·(−0.5) = 0.4
        var w = target.weight!.data<float>().ToArray();
        Assert.Equal(1.2f, w[0], 6);
        Assert.Equal(2.2f, w[1], 6);
        Assert.Equal(0.4f, target.bias!.item<float>(), 6);
        // The online network is untouched and no graph was recorded.
        Assert.Equal(new float[] { 3, 4 }, online.weight!.data<float>().ToArray());
        Assert.Null(target.weight.grad);
        Ema.Update(target, online, 0.5);
        Assert.Equal(0.5f * 1.2f + 0.5f * 3f, target.weight.data<float>().ToArray()[0], 6);
    }

    [Fact]
    public void BuffersAreCopiedNotAveraged()
    {
        using var scope = torch.NewDisposeScope();
        var target = nn.BatchNorm1d(2);
        var online = nn.BatchNorm1d(2);
        Set(online.running_mean!, 4, -2);
        Ema.Update(target, online, 0.99);
        Assert.Equal(new float[] { 4, -2 }, target.running_mean!.data<float>().ToArray());

        var lucidrains = nn.BatchNorm1d(2);
        Ema.Update(lucidrains, online, 0.99, copyBuffers: false);
        Assert.Equal(new float[] { 0, 0 }, lucidrains.running_mean!.data<float>().ToArray());
    }

    [Fact]
    public void RejectsDifferentArchitectures()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => Ema.Update(nn.Linear(2, 1), nn.Linear(3, 1), 0.99));
        Assert.Contains("weight", e.Message);
    }

    [Fact]
    public void ScheduleEndpoints()
    {
        var constant = EmaSchedule.Constant();
        Assert.Equal(0.99, constant.Tau(0));
        Assert.Equal(0.99, constant.Tau(123456));

        var cosine = EmaSchedule.Cosine(0.99, 1000);
        Assert.Equal(0.99, cosine.Tau(0), 12);
        Assert.Equal(0.995, cosine.Tau(500), 12); // 1 − 0.01·(cos(π/2) + 1)/2
        Assert.Equal(1.0, cosine.Tau(1000), 12);
        Assert.Equal(1.0, cosine.Tau(2000), 12); // k clamped to K
        Assert.Equal(1 - 0.01 * (Math.Cos(Math.PI / 4) + 1) / 2, cosine.Tau(250), 12);
        Assert.Equal("EmaSchedule.Cosine(tauBase=0.99, totalSteps=1000)", cosine.ToString());
    }
}
