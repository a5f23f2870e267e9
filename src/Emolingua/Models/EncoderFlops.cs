namespace Emolingua.Models;

/// <summary>
/// Floating-point operations of the encoder and head, counted as 2 per multiply-add of the matrix products and
/// convolutions (element-wise work, LayerNorm, GELU and softmax are left out: they are under 1 % here). The benchmarks
/// divide these by the measured time to report GFLOP/s against the machine's matrix-product peak.
/// </summary>
public static class EncoderFlops
{
    /// <summary>
    /// One forward pass of <paramref name="batch"/> windows of <paramref name="positions"/> encoder positions
    /// (frames F = 2·P), with the classification head (hidden width h, c classes; h = 0 for none):
    /// <code>
    /// conv1   2·B·F·D·(3·n_mels)            kernel 3, stride 1
    /// conv2   2·B·P·D·(3·D)                 kernel 3, stride 2
    /// layer   2·B·P·D·D · 4                 q, k, v and out projections
    ///       + 2·B·P·P·D · 2                 q·kᵀ and attention·v, summed over the heads
    ///       + 2·B·P·D·Dff · 2               fc1 and fc2
    /// head    2·B·(D·h + h·c)
    /// </code>
    /// </summary>
    public static double Forward(WhisperConfig c, int batch, int positions, int headHidden = 0, int classes = 0) =>
        FrontEnd(c, batch, positions) + Trainable(c, batch, positions, headHidden, classes);

    /// <summary>
    /// A training step: forward, then backward. Every product with a trainable operand costs two more of its size in
    /// backward (the gradient of its input and of its weight; for q·kᵀ and attention·v, of both inputs). The front end
    /// (conv1, conv2, positions) is frozen and its input is the log-mel, so it has no backward work:
    /// <code>train = frontEnd + 3 · (layers + head)</code>
    /// </summary>
    public static double TrainStep(WhisperConfig c, int batch, int positions, int headHidden, int classes) =>
        FrontEnd(c, batch, positions) + 3 * Trainable(c, batch, positions, headHidden, classes);

    private static double FrontEnd(WhisperConfig c, int batch, int positions)
    {
        double b = batch,
            p = positions,
            frames = 2.0 * positions,
            d = c.DModel;
        return 2 * b * frames * d * (3.0 * c.NumMelBins) + 2 * b * p * d * (3.0 * d);
    }

    private static double Trainable(WhisperConfig c, int batch, int positions, int headHidden, int classes)
    {
        double b = batch,
            p = positions,
            d = c.DModel,
            ffn = c.EncoderFfnDim;
        var layer = 2 * b * p * d * d * 4 + 2 * b * p * p * d * 2 + 2 * b * p * d * ffn * 2;
        var head = 2 * b * ((double)d * headHidden + (double)headHidden * classes);
        return c.EncoderLayers * layer + head;
    }
}
