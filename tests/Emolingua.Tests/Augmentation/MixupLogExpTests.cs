using Emolingua.Augmentation.Spectrogram;
using TorchSharp;
using static Emolingua.Tests.Augmentation.AugmentationTestData;
using static TorchSharp.torch;

namespace Emolingua.Tests.Augmentation;

public class MixupLogExpTests
{
    private static float MixConstants(double x, double z, double a, MixupDomain domain)
    {
        using var scope = torch.NewDisposeScope();
        var tx = torch.full(new long[] { 1, 2, 3 }, x, dtype: ScalarType.Float64);
        var tz = torch.full(new long[] { 1, 2, 3 }, z, dtype: ScalarType.Float64);
        var y = MixupLogExp.Mix(tx, tz, torch.tensor(new[] { a }), domain);
        Assert.True(y.eq(y[0, 0, 0]).all().item<bool>());
        return (float)y[0, 0, 0].item<double>();
    }

    // Constants from tests/Emolingua.Tests/Augmentation/reference/mixup_reference.py (numpy float64).
    [Theory]
    [InlineData(0.5, 0.0, 0.25, 0.4691266261)] // 0.75·1e-2 + 0.25·1e-4 = 7.525e-3 → (log10 + 4)/4
    [InlineData(-0.75, 1.0, 0.1, 0.7500000977)] // the louder past input dominates: ≈ (log10(0.1)+4)/4
    public void WhisperDomainMixOfConstantsMatchesHandValue(double x, double z, double a, double expected) =>
        Assert.Equal(expected, MixConstants(x, z, a, MixupDomain.WhisperLog10), 6);

    [Theory]
    [InlineData(1.0, 0.0, 0.25, 0.8279889913)] // log(0.75e + 0.25 + eps)
    [InlineData(-2.0, 3.0, 0.4, 2.0937654699)]
    public void NaturalLogMixOfConstantsMatchesHandValue(double x, double z, double a, double expected) =>
        Assert.Equal(expected, MixConstants(x, z, a, MixupDomain.NaturalLog), 6);

    [Fact]
    public void ZeroWeightReturnsInput()
    {
        using var scope = torch.NewDisposeScope();
        var x = LogMels(3, 20, 30) * 1.5f; // Whisper range, incl. values near the floor
        var z = LogMels(3, 20, 30, seed: 99);
        var y = MixupLogExp.Mix(x, z, torch.zeros(3), MixupDomain.WhisperLog10);
        Assert.True(y.allclose(x, rtol: 0, atol: 1e-5));

        var mix = new MixupLogExp(ratio: 0, capacity: 8);
        using var g = new Generator(1);
        mix.Apply(z, g); // fill the bank
        Assert.True(mix.Apply(x, g).allclose(x, rtol: 0, atol: 1e-5));
        mix.Dispose();
    }

    [Fact]
    public void FirstCallReturnsInputThenMixesWithPastInputs()
    {
        using var scope = torch.NewDisposeScope();
        using var mix = new MixupLogExp(ratio: 0.4, capacity: 8);
        using var g = new Generator(3);
        var quiet = torch.full(new long[] { 2, 4, 5 }, -0.5f); // power 1e-6
        var loud = torch.full(new long[] { 4, 4, 5 }, 0.5f); // power 1e-2
        Assert.Equal(Host(quiet), Host(mix.Apply(quiet, g))); // empty bank
        Assert.Equal(2, mix.Count);
        var y = mix.Apply(loud, g); // mixed with the quiet inputs, weight a ≤ 0.4
        Assert.Equal(6, mix.Count);
        // Per example: y = (log10((1 − a)·1e-2 + a·1e-6) + 4)/4, constant over the example, within [a = 0.4, a = 0].
        var low = (Math.Log10(0.6 * 1e-2 + 0.4 * 1e-6) + 4) / 4;
        var ys = Host(y);
        for (var e = 0; e < 4; e++)
        {
            var row = ys.Skip(e * 20).Take(20).ToArray();
            Assert.InRange(row[0], low - 1e-6, 0.5 + 1e-6);
            Assert.True(row.Max() - row.Min() < 1e-6);
        }
        Assert.True(ys.Min() < 0.49f, "some example should be audibly mixed");
    }

    [Fact]
    public void BankIsFifoOfCapacity()
    {
        using var scope = torch.NewDisposeScope();
        using var mix = new MixupLogExp(ratio: 0.4, capacity: 3);
        using var g = new Generator(3);
        for (var i = 0; i < 3; i++)
            mix.Apply(torch.full(new long[] { 2, 2, 2 }, (float)i), g);
        Assert.Equal(3, mix.Count);
        // Un-mixed inputs pushed in order 0,0 | 1,1 | 2,2 into rows 0,1 | 2,0 | 1,2 → rows hold [1, 2, 2].
        var bank = Host(mix.StateDict()["memory_bank"]);
        Assert.Equal(new float[] { 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2 }, bank);
    }

    [Fact]
    public void StateDictRoundTripGivesExactResume()
    {
        using var scope = torch.NewDisposeScope();
        var inputs = Enumerable.Range(0, 5).Select(i => LogMels(3, 8, 10, seed: (ulong)(100 + i))).ToArray();

        using var a = new MixupLogExp(0.4, capacity: 4);
        using var ga = new Generator(17);
        a.Apply(inputs[0], ga);
        a.Apply(inputs[1], ga);
        var savedState = a.StateDict();
        var savedRng = ga.get_state();
        var expected3 = Host(a.Apply(inputs[2], ga));
        var expected4 = Host(a.Apply(inputs[3], ga));

        using var b = new MixupLogExp(0.4, capacity: 4);
        using var gb = new Generator(999);
        b.Apply(inputs[4], gb); // unrelated history, overwritten by the restore
        b.LoadStateDict(savedState);
        gb.set_state(savedRng);
        Assert.Equal(expected3, Host(b.Apply(inputs[2], gb)));
        Assert.Equal(expected4, Host(b.Apply(inputs[3], gb)));
    }

    [Fact]
    public void RejectsInputOfAnotherShape()
    {
        using var scope = torch.NewDisposeScope();
        using var mix = new MixupLogExp(capacity: 4);
        using var g = new Generator(1);
        mix.Apply(torch.zeros(2, 8, 10), g);
        var e = Assert.Throws<ArgumentException>(() => mix.Apply(torch.zeros(2, 8, 12), g));
        Assert.Contains("[8, 10]", e.Message);
    }
}
