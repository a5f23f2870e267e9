using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Waveform;

/// <summary>
/// Adds white Gaussian noise at a signal-to-noise ratio drawn per example, snr ~ U(minDb, maxDb):
/// noise_rms = rms(x) / 10^(snr/20), as audiomentations' <c>AddGaussianSNR</c>. A silent example stays silent.
/// The paper draws the SNR uniformly in 10–20 dB.
/// </summary>
public sealed class GaussianNoiseSnr : IAugmentation
{
    public double MinDb { get; }
    public double MaxDb { get; }
    public double P { get; }

    public GaussianNoiseSnr(double minDb = 10, double maxDb = 20, double p = 0.5)
    {
        Draw.CheckDbRange(minDb, maxDb);
        Draw.CheckProbability(p);
        (MinDb, MaxDb, P) = (minDb, maxDb, p);
    }

    public AugmentationDomain Domain => AugmentationDomain.Waveform;

    /// <param name="x"><c>[B, T]</c> waveforms.</param>
    public Tensor Apply(Tensor x, Generator generator) => Draw.PerExample(Domain, x, generator, P, applied =>
        {
            var snrDb = Draw.Uniform(generator, new[] { x.shape[0], 1L }, MinDb, MaxDb, x.device); // [B, 1]
            var noise = Draw.Normal(generator, x.shape, x.dtype, x.device); // [B, T]
            var rms = x.pow(Held(2.0)).mean(new long[] { 1 }, keepdim: true).sqrt(); // [B, 1]
            var noiseRms = rms / Draw.DbToAmplitude(snrDb).to(x.dtype); // [B, 1]
            var noisy = x.add(noise * noiseRms, One);
            return Draw.Select(applied, noisy, x);
        });

    public override string ToString() =>
        $"GaussianNoiseSnr(minDb={Draw.F(MinDb)}, maxDb={Draw.F(MaxDb)}, p={Draw.F(P)})";
}
