using Emolingua.Augmentation;
using Emolingua.Augmentation.Spectrogram;
using Emolingua.Augmentation.Waveform;
using TorchSharp;
using static Emolingua.Tests.Augmentation.AugmentationTestData;
using static TorchSharp.torch;

namespace Emolingua.Tests.Augmentation;

public class PipelineTests
{
    [Fact]
    public void ToStringListsEveryStep()
    {
        var text = Presets.ContrastiveWaveform().ToString();
        Assert.Equal(
            "contrastive-waveform (Waveform):\n"
                + "  GaussianNoiseSnr(minDb=10, maxDb=20, p=0.5)\n"
                + "  PolarityInversion(p=0.5)\n"
                + "  Gain(minDb=-6, maxDb=6, p=0.5)\n"
                + "  SpeedPerturb(factors=[0.9, 1, 1.1], p=0.5)",
            text
        );
        var byol = Presets.ByolView().ToString();
        Assert.Contains("MixupLogExp(ratio=0.4", byol);
        Assert.Contains("RandomResizeCrop(", byol);
        Assert.Contains("SpecAugment(", byol);
    }

    [Fact]
    public void RejectsMixedDomains()
    {
        var e = Assert.Throws<ArgumentException>(() => new AugmentationPipeline("bad", new Gain(), new SpecAugment()));
        Assert.Contains("SpecAugment", e.Message);
    }

    [Fact]
    public void AppliesStepsInOrderFromOneGenerator()
    {
        using var scope = torch.NewDisposeScope();
        var x = Sines(2, 4000);
        using var g1 = new Generator(5);
        var viaPipeline = new AugmentationPipeline("p", new Gain(-3, 3, 1), new PolarityInversion(1)).Apply(x, g1);
        using var g2 = new Generator(5);
        var byHand = new PolarityInversion(1).Apply(new Gain(-3, 3, 1).Apply(x, g2), g2);
        Assert.Equal(Host(byHand), Host(viaPipeline));
    }

    [Fact]
    public void PresetsRunOnPaperShapesAndAreSeeded()
    {
        using var scope = torch.NewDisposeScope();
        var wave = Sines(4, 4 * SampleRate); // CL: 4-s crops
        var mel4s = LogMels(4, 80, 400);
        var mel3s = LogMels(4, 80, 300); // BYOL: 3-s crops
        float[] Run(ulong seed)
        {
            using var g = new Generator(seed);
            var w = Presets.ContrastiveWaveform().Apply(wave, g);
            var s = Presets.ContrastiveSpectrogram().Apply(mel4s, g);
            using var byol = Presets.ByolView();
            byol.Apply(mel3s, g);
            var v = byol.Apply(mel3s, g);
            var sup = Presets.ByolSupervised().Apply(mel3s, g);
            Assert.Equal(wave.shape, w.shape);
            Assert.Equal(mel4s.shape, s.shape);
            Assert.Equal(mel3s.shape, v.shape);
            Assert.Equal(mel3s.shape, sup.shape);
            return Host(w).Concat(Host(s)).Concat(Host(v)).Concat(Host(sup)).ToArray();
        }
        var first = Run(1);
        Assert.Equal(first, Run(1));
        Assert.NotEqual(first, Run(2));
    }

    [Fact]
    public void PipelineStateDictCarriesTheMixupBank()
    {
        using var scope = torch.NewDisposeScope();
        using var a = Presets.ByolView();
        using var g = new Generator(1);
        var x = LogMels(2, 8, 12);
        a.Apply(x, g);
        var state = a.StateDict();
        Assert.Equal(new long[] { 2, 8, 12 }, state["0.memory_bank"].shape);
        Assert.Equal(2L, state["0.count"].item<long>());

        using var b = Presets.ByolView();
        b.LoadStateDict(state);
        var rng = g.get_state();
        var expected = Host(a.Apply(x, g));
        g.set_state(rng);
        Assert.Equal(expected, Host(b.Apply(x, g)));
    }
}
