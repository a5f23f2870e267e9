using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Waveform;

/// <summary>
/// Scales the waveform by 10^(g/20), g ~ U(minDb, maxDb) per example (audiomentations' <c>Gain</c>). No clipping:
/// the features are computed from float samples. Whisper log-mels are absolute log10 power, so a gain of g dB shifts
/// every unclamped feature value by g/40 — this is a real change for the model, not a no-op.
/// </summary>
public sealed class Gain : IAugmentation
{
    public double MinDb { get; }
    public double MaxDb { get; }
    public double P { get; }

    public Gain(double minDb = -6, double maxDb = 6, double p = 0.5)
    {
        Draw.CheckDbRange(minDb, maxDb);
        Draw.CheckProbability(p);
        (MinDb, MaxDb, P) = (minDb, maxDb, p);
    }

    public AugmentationDomain Domain => AugmentationDomain.Waveform;

    /// <param name="x"><c>[B, T]</c> waveforms.</param>
    public Tensor Apply(Tensor x, Generator generator) => Draw.PerExample(Domain, x, generator, P, applied =>
        {
            var gainDb = Draw.Uniform(generator, new[] { x.shape[0], 1L }, MinDb, MaxDb, x.device); // [B, 1]
            var factor = Draw.DbToAmplitude(gainDb).to(x.dtype); // [B, 1]
            return Draw.Select(applied, x * factor, x);
        });

    public override string ToString() => $"Gain(minDb={Draw.F(MinDb)}, maxDb={Draw.F(MaxDb)}, p={Draw.F(P)})";
}
