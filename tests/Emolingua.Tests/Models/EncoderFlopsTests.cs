using Emolingua.Models;

namespace Emolingua.Tests.Models;

public class EncoderFlopsTests
{
    // A toy encoder worked out by hand: D = 4, 1 layer, 2 heads, Dff = 8, 80 mel bins; B = 2 windows of P = 3 positions
    // (F = 6 frames); head 4 → 5 → 3.
    //   conv1   2·B·F·D·(3·80) = 2·2·6·4·240 = 23 040
    //   conv2   2·B·P·D·(3·D)  = 2·2·3·4·12  =    576
    //   q,k,v,o 4 · 2·B·P·D·D  = 4 · 2·2·3·4·4 = 768
    //   q·kᵀ, attention·v  2 · 2·B·P·P·D = 2 · 2·2·3·3·4 = 288
    //   fc1, fc2 2 · 2·B·P·D·Dff = 2 · 2·2·3·4·8 = 768
    //   head    2·B·(4·5 + 5·3) = 2·2·35 = 140
    private static readonly WhisperConfig Toy = new(
        DModel: 4,
        EncoderLayers: 1,
        EncoderAttentionHeads: 2,
        EncoderFfnDim: 8
    );

    [Fact]
    public void ForwardCountsEveryProductOnce()
    {
        Assert.Equal(23040 + 576 + 768 + 288 + 768, EncoderFlops.Forward(Toy, batch: 2, positions: 3));
        Assert.Equal(
            23040 + 576 + 768 + 288 + 768 + 140,
            EncoderFlops.Forward(Toy, batch: 2, positions: 3, headHidden: 5, classes: 3)
        );
    }

    [Fact]
    public void TrainingTriplesTheTrainablePartOnly()
    {
        // Frozen front end: forward only; layers and head: forward + input gradient + weight gradient.
        Assert.Equal(
            23040 + 576 + 3 * (768 + 288 + 768 + 140),
            EncoderFlops.TrainStep(Toy, batch: 2, positions: 3, headHidden: 5, classes: 3)
        );
    }

    [Fact]
    public void WhisperSmallTrainStepIsAbout858Gflop()
    {
        // whisper-small, 8 × 4 s (P = 200): per layer 8·1600·768² + 4·8·200²·768 + 4·1600·768·3072 = 23.59 GFLOP.
        var layer = 8.0 * 1600 * 768 * 768 + 4.0 * 8 * 200 * 200 * 768 + 4.0 * 1600 * 768 * 3072;
        var front = 2.0 * 8 * 400 * 768 * 240 + 2.0 * 8 * 200 * 768 * 2304;
        var head = 2.0 * 8 * (768 * 256 + 256 * 4);
        Assert.Equal(
            front + 3 * (12 * layer + head),
            EncoderFlops.TrainStep(WhisperConfig.ForSize("small"), 8, 200, 256, 4),
            1e-6
        );
        Assert.InRange(EncoderFlops.TrainStep(WhisperConfig.ForSize("small"), 8, 200, 256, 4) / 1e9, 857, 858);
    }
}
