using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Waveform;

/// <summary>
/// Kaldi/SpeechBrain-style speed perturbation: the waveform is played <c>factor</c> times faster, which changes tempo
/// AND pitch together (a 1 kHz tone becomes <c>factor</c> kHz). A factor is picked uniformly per example from
/// <see cref="Factors"/> (examples not selected by <c>p</c> keep factor 1).
/// </summary>
/// <remarks>
/// Implementation: band-limited sinc resampling (torchaudio's algorithm, see <see cref="SincResampler"/>) from rate
/// factor·R to R, with the factor rounded to a fraction n/100 (so factors resolve to 0.01). The result has
/// length ≈ T/factor and is brought back to T: faster audio (factor &gt; 1) is right-padded with zeros (silence at
/// the end, like a shorter utterance), slower audio is cut at T (the tail is lost). The start of the utterance is
/// kept in both cases. Examples sharing a factor are resampled together, so a batch costs one strided convolution
/// per distinct factor; the chosen factors are read back to the host once per call.
/// </remarks>
public sealed class SpeedPerturb : IAugmentation
{
    private const int Denominator = 100;

    public IReadOnlyList<double> Factors { get; }
    public double P { get; }

    public SpeedPerturb(IReadOnlyList<double>? factors = null, double p = 0.5)
    {
        factors ??= new[] { 0.9, 1.0, 1.1 };
        if (factors.Count == 0)
            throw new ArgumentException("At least one speed factor is needed.", nameof(factors));
        foreach (var f in factors)
        {
            if (!(f >= 0.5 && f <= 2.0))
                throw new ArgumentOutOfRangeException(nameof(factors), f, "Speed factors must be in [0.5, 2].");
        }

        Draw.CheckProbability(p);
        Factors = factors.ToArray();
        P = p;
    }

    public AugmentationDomain Domain => AugmentationDomain.Waveform;

    /// <param name="x"><c>[B, T]</c> waveforms.</param>
    public Tensor Apply(Tensor x, Generator generator) => Draw.PerExample(Domain, x, generator, P, appliedMask =>
        {
            long b = x.shape[0],
                length = x.shape[1];
            var applied = Draw.ToHostBool(appliedMask);
            var pick = Draw.ToHost(Draw.Uniform(generator, new[] { b }, x.device));

            // Group the examples by their (rational) factor; factor 1 leaves the example untouched.
            var groups = new SortedDictionary<int, List<long>>();
            for (var i = 0; i < b; i++)
            {
                if (!applied[i])
                    continue;
                var k = Math.Min((int)(pick[i] * Factors.Count), Factors.Count - 1);
                var num = (int)Math.Round(Factors[k] * Denominator);
                if (num == Denominator)
                    continue;
                if (!groups.TryGetValue(num, out var list))
                    groups[num] = list = new List<long>();
                list.Add(i);
            }

            var y = x.clone(); // [B, T]
            foreach (var (num, rows) in groups)
            {
                var index = torch.tensor(rows.ToArray(), device: x.device); // [n]
                var sub = x.index_select(0, index); // [n, T]
                var resampled = SincResampler.Resample(sub, num, Denominator); // [n, ≈T/factor]
                y.index_copy_(0, index, FitLength(resampled, length));
            }
            return y;
        });

    /// <summary>Cuts or right-pads with zeros to <paramref name="length"/> samples.</summary>
    internal static Tensor FitLength(Tensor x, long length)
    {
        var have = x.shape[1];
        if (have >= length)
            return x.narrow(1, 0, length);
        return nn.functional.pad(x, new long[] { 0, length - have });
    }

    public override string ToString() =>
        $"SpeedPerturb(factors=[{string.Join(", ", Factors.Select(Draw.F))}], p={Draw.F(P)})";
}
