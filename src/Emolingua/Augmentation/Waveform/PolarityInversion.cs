using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Waveform;

/// <summary>Multiplies the waveform by −1 (inaudible, but changes the raw samples the model sees).</summary>
public sealed class PolarityInversion : IAugmentation
{
    public double P { get; }

    public PolarityInversion(double p = 0.5)
    {
        Draw.CheckProbability(p);
        P = p;
    }

    public AugmentationDomain Domain => AugmentationDomain.Waveform;

    /// <param name="x"><c>[B, T]</c> waveforms.</param>
    public Tensor Apply(Tensor x, Generator generator) =>
        Draw.PerExample(Domain, x, generator, P, applied => Draw.Select(applied, x.neg(), x));

    public override string ToString() => $"PolarityInversion(p={Draw.F(P)})";
}
