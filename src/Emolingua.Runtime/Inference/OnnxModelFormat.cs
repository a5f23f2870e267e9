namespace Emolingua.Inference;

/// <summary>
/// The names an exported Emolingua model (<c>emolingua export</c>) uses: its input and outputs, and the
/// metadata_props keys a reader relies on. Written by the exporter, read by <see cref="OnnxEmotionEngine"/>.
/// </summary>
public static class OnnxModelFormat
{
    /// <summary>The input: float32 [batch, S·16000], 16 kHz mono, one window.</summary>
    public const string Waveform = "waveform";

    /// <summary>The output of calibrated class probabilities: float32 [batch, classes].</summary>
    public const string Probabilities = "probabilities";

    /// <summary>The output of utterance embeddings: float32 [batch, d_model].</summary>
    public const string Embedding = "embedding";

    /// <summary>The metadata_props keys.</summary>
    public static class Keys
    {
        /// <summary>A JSON list of class names in output order.</summary>
        public const string Labels = "labels";

        /// <summary>The sample rate of the input (16000).</summary>
        public const string SampleRate = "sample_rate";

        /// <summary>The window length S in seconds.</summary>
        public const string WindowSeconds = "window_seconds";

        /// <summary>Mel bands of the log-mel inside the graph.</summary>
        public const string NMels = "n_mels";

        /// <summary>The training method.</summary>
        public const string Method = "method";

        /// <summary>The Emolingua version that exported the model.</summary>
        public const string Version = "emolingua_version";

        /// <summary>The training recipe's name.</summary>
        public const string Recipe = "recipe";

        /// <summary>The training seed.</summary>
        public const string Seed = "seed";

        /// <summary>One line on windowing long audio.</summary>
        public const string Usage = "usage";

        /// <summary>"none" or "int8".</summary>
        public const string Quantization = "quantization";

        /// <summary>The model format name.</summary>
        public const string Format = "format";

        /// <summary>The calibration temperature the graph divides its logits by.</summary>
        public const string Temperature = "temperature";
    }
}
