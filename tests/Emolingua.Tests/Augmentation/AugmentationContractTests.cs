using Emolingua.Augmentation;
using Emolingua.Augmentation.Spectrogram;
using Emolingua.Augmentation.Waveform;
using TorchSharp;
using static Emolingua.Tests.Augmentation.AugmentationTestData;
using static TorchSharp.torch;

namespace Emolingua.Tests.Augmentation;

/// <summary>The contract every augmentation keeps: shape, seeded determinism, p = 0 is the identity,
/// printable.</summary>
public class AugmentationContractTests
{
    public static TheoryData<string> Names =>
        new()
        {
            "GaussianNoiseSnr",
            "PolarityInversion",
            "Gain",
            "SpeedPerturb",
            "SpecAugment",
            "SpectralStretch",
            "MixupLogExp",
            "RandomResizeCrop",
        };

    private static IAugmentation Make(string name, double p) =>
        name switch
        {
            "GaussianNoiseSnr" => new GaussianNoiseSnr(10, 20, p),
            "PolarityInversion" => new PolarityInversion(p),
            "Gain" => new Gain(-6, 6, p),
            "SpeedPerturb" => new SpeedPerturb(new[] { 0.9, 1.1 }, p),
            "SpecAugment" => new SpecAugment(10, 2, 30, 2, p: p),
            "SpectralStretch" => new SpectralStretch(0.9, 1.1, p),
            "MixupLogExp" => new MixupLogExp(0.4, 16, p: p),
            "RandomResizeCrop" => new RandomResizeCrop(p: p),
            _ => throw new ArgumentException(name),
        };

    /// <summary>Two calls on one fresh instance (the second one sees a non-empty MixupLogExp bank); returns both
    /// outputs.</summary>
    private static (float[] First, float[] Second, long[] Shape) Run(string name, double p, ulong seed)
    {
        using var scope = torch.NewDisposeScope();
        var aug = Make(name, p);
        using var g = new Generator(seed);
        var (x1, x2) = Inputs(aug.Domain);
        var y1 = aug.Apply(x1, g);
        var y2 = aug.Apply(x2, g);
        (aug as IDisposable)?.Dispose();
        return (Host(y1), Host(y2), y2.shape);
    }

    private static (Tensor, Tensor) Inputs(AugmentationDomain domain) =>
        domain == AugmentationDomain.Waveform
            ? (Sines(4, 8000, 300), Sines(4, 8000, 500))
            : (LogMels(4, 40, 120, seed: 1), LogMels(4, 40, 120, seed: 2));

    [Theory, MemberData(nameof(Names))]
    public void PreservesShape(string name)
    {
        var (_, _, shape) = Run(name, 1.0, 7);
        var expected =
            Make(name, 1.0).Domain == AugmentationDomain.Waveform ? new long[] { 4, 8000 } : new long[] { 4, 40, 120 };
        Assert.Equal(expected, shape);
    }

    [Theory, MemberData(nameof(Names))]
    public void SameSeedGivesIdenticalOutput(string name)
    {
        var a = Run(name, 1.0, 42);
        var b = Run(name, 1.0, 42);
        Assert.Equal(a.First, b.First);
        Assert.Equal(a.Second, b.Second);
    }

    [Theory, MemberData(nameof(Names))]
    public void DifferentSeedGivesDifferentOutput(string name)
    {
        // With p = 1 polarity inversion is deterministic; its randomness is only the per-example decision.
        var p = name == "PolarityInversion" ? 0.5 : 1.0;
        var a = Run(name, p, 42);
        var b = Run(name, p, 43);
        Assert.NotEqual(a.Second, b.Second);
    }

    [Theory, MemberData(nameof(Names))]
    public void ZeroProbabilityIsIdentity(string name)
    {
        using var scope = torch.NewDisposeScope();
        var aug = Make(name, 0.0);
        using var g = new Generator(5);
        var (x1, x2) = Inputs(aug.Domain);
        var y1 = aug.Apply(x1, g);
        var y2 = aug.Apply(x2, g);
        Assert.Equal(Host(x1), Host(y1));
        Assert.Equal(Host(x2), Host(y2));
        Assert.NotSame(x2, y2); // a fresh tensor, never the input itself
    }

    [Theory, MemberData(nameof(Names))]
    public void DoesNotModifyInput(string name)
    {
        using var scope = torch.NewDisposeScope();
        var aug = Make(name, 1.0);
        using var g = new Generator(9);
        var (x1, x2) = Inputs(aug.Domain);
        var before = Host(x2);
        aug.Apply(x1, g);
        aug.Apply(x2, g);
        Assert.Equal(before, Host(x2));
    }

    [Theory, MemberData(nameof(Names))]
    public void LeavesOnlyTheResultInTheCallersScope(string name)
    {
        var aug = Make(name, 1.0);
        using var g = new Generator(3);
        using var scope = torch.NewDisposeScope();
        var (x1, x2) = Inputs(aug.Domain);
        var before = scope.DisposablesCount;
        aug.Apply(x1, g);
        aug.Apply(x2, g);
        Assert.Equal(before + 2, scope.DisposablesCount);
        (aug as IDisposable)?.Dispose();
    }

    [Theory, MemberData(nameof(Names))]
    public void ToStringNamesTypeAndProbability(string name)
    {
        var text = Make(name, 0.25).ToString()!;
        Assert.StartsWith(name + "(", text);
        Assert.Contains("p=0.25", text);
    }

    [Fact]
    public void ToStringListsParameters()
    {
        Assert.Equal("GaussianNoiseSnr(minDb=10, maxDb=20, p=0.5)", new GaussianNoiseSnr().ToString());
        Assert.Equal("SpeedPerturb(factors=[0.9, 1, 1.1], p=0.5)", new SpeedPerturb().ToString());
        Assert.Equal(
            "SpecAugment(F=15, mF=2, T=40, mT=2, maxTimeFraction=1, fill=Mean, p=1)",
            new SpecAugment().ToString()
        );
        Assert.Equal(
            "RandomResizeCrop(virtualCropScale=(1, 1.5), freqScale=(0.6, 1.5), timeScale=(0.6, 1.5), fill=Min, p=1)",
            new RandomResizeCrop().ToString()
        );
        Assert.Equal("MixupLogExp(ratio=0.4, capacity=2048, domain=WhisperLog10, p=1)", new MixupLogExp().ToString());
    }

    [Fact]
    public void RejectsWrongRankNamingShape()
    {
        using var x = torch.zeros(2, 3, 4);
        using var g = new Generator(1);
        var e = Assert.Throws<ArgumentException>(() => new Gain().Apply(x, g));
        Assert.Contains("[2, 3, 4]", e.Message);
        using var w = torch.zeros(2, 100);
        Assert.Throws<ArgumentException>(() => new SpecAugment().Apply(w, g));
    }
}
