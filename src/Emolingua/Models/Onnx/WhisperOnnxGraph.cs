using Emolingua.Features;

namespace Emolingua.Models.Onnx;

/// <summary>A named float32 tensor of a state dict: row-major data and its shape.</summary>
public delegate (float[] Data, long[] Shape) WeightSource(string name);

/// <summary>
/// The parts of an Emolingua model as ONNX nodes, each mirroring its TorchSharp twin: the Whisper log-mel
/// (<see cref="WhisperLogMel"/>), the encoder (<see cref="WhisperEncoder"/>) and the classification head
/// (<see cref="ClassificationHead"/>). Tensors are float32; the transformer body works on rows [B·P, D] so that
/// every Linear is one 2-D Gemm (or one dynamically quantized product, <see cref="Int8Linear"/>).
/// </summary>
internal sealed class WhisperOnnxGraph(OnnxGraphBuilder g, WeightSource weights, bool int8)
{
    /// <summary>
    /// Waveforms [B, N] → log-mel [B, nMels, N/160], as <see cref="WhisperLogMel.Compute"/>: reflect padding of 200,
    /// a strided Conv whose 402 kernels are the periodic Hann window times cos and −sin of the 201 DFT bins (the STFT
    /// as one product), the last frame dropped, squares, the Slaney mel matrix applied to re² and im² at once
    /// ([M | M] · [re²; im²] = M · |X|²), log10 of max(·, 1e-10), the clip's max − 8 floor, (x + 4) / 4.
    /// </summary>
    public string LogMel(string waveform, int samples, int nMels)
    {
        g.Scope = "logmel.";
        const int nFft = WhisperAudio.NFft,
            bins = WhisperAudio.FrequencyBins;
        var frames = samples / WhisperAudio.HopLength; // 1 + N/160 STFT frames, the last dropped
        // [B, N + 400]
        var padded = g.Op("Pad", [waveform, g.Int64("pads", 0, nFft / 2, 0, nFft / 2)], Attr.String("mode", "reflect"));
        var channel = g.Op("Unsqueeze", [padded, g.Int64("axis1", 1)]); // [B, 1, N + 400]
        var spectrum = g.Op(
            "Conv",
            [channel, g.Float("dft_kernels", DftKernels(), 2 * bins, 1, nFft)],
            Attr.Ints("kernel_shape", nFft),
            Attr.Ints("strides", WhisperAudio.HopLength)
        ); // [B, 402, 1 + N/160]: re rows then im rows
        // [B, 402, F]
        spectrum = g.Op("Slice", [spectrum, g.Int64("start", 0), g.Int64("end", frames), g.Int64("axis2", 2)]);
        var squares = g.Op("Mul", [spectrum, spectrum]);
        // [B, nMels, F]
        var mel = g.Op("MatMul", [g.Float("mel_filters", DoubledMelFilters(nMels), nMels, 2 * bins), squares]);
        var log = g.Op(
            "Mul",
            [
                g.Op("Log", [g.Op("Max", [mel, g.Scalar((float)WhisperAudio.LogMelFloor)])]),
                g.Scalar((float)(1 / Math.Log(10))),
            ]
        );
        // [B, 1, 1]: per clip, never per batch
        var clipMax = g.Op("ReduceMax", [log], Attr.Ints("axes", 1, 2), Attr.Int("keepdims", 1));
        var floored = g.Op("Max", [log, g.Op("Sub", [clipMax, g.Scalar((float)WhisperAudio.LogMelDecades)])]);
        return g.Op(
            "Mul",
            [
                g.Op("Add", [floored, g.Scalar((float)WhisperAudio.LogMelShift)]),
                g.Scalar((float)(1 / WhisperAudio.LogMelShift)),
            ]
        );
    }

    /// <summary>[402, 1, 400]: rows k = 0..200 are w[n]·cos(2πkn/400), rows 201 + k are −w[n]·sin(2πkn/400) (computed
    /// in float64).</summary>
    private static float[] DftKernels()
    {
        const int nFft = WhisperAudio.NFft,
            bins = WhisperAudio.FrequencyBins;
        var kernels = new float[2 * bins * nFft];
        for (var k = 0; k < bins; k++)
        {
            for (var n = 0; n < nFft; n++)
            {
                var window = 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / nFft); // periodic Hann
                var angle = 2 * Math.PI * ((long)k * n % nFft) / nFft; // reduced mod 2π for accuracy
                kernels[k * nFft + n] = (float)(window * Math.Cos(angle));
                kernels[(bins + k) * nFft + n] = (float)(-window * Math.Sin(angle));
            }
        }

        return kernels;
    }

    private static float[] DoubledMelFilters(int nMels)
    {
        const int bins = WhisperAudio.FrequencyBins;
        var filters = MelFilterBank.Whisper(nMels); // [nMels, 201]
        var doubled = new float[nMels * 2 * bins];
        for (var m = 0; m < nMels; m++)
        {
            Array.Copy(filters, m * bins, doubled, m * 2 * bins, bins);
            Array.Copy(filters, m * bins, doubled, m * 2 * bins + bins, bins);
        }
        return doubled;
    }

    /// <summary>
    /// Log-mel [B, nMels, 2P] → encoder output rows [B·P, D] after the final LayerNorm (see
    /// <see cref="WhisperEncoder"/>).
    /// <paramref name="prefix"/> is the state-dict prefix of the encoder ("encoder." in a model bundle).
    /// </summary>
    public string Encoder(string mel, WhisperConfig c, int positions, string prefix)
    {
        g.Scope = prefix;
        var d = c.DModel;
        var x = Gelu(
            g.Op(
                "Conv",
                [mel, Weight(prefix + "conv1.weight", d, c.NumMelBins, 3), Weight(prefix + "conv1.bias", d)],
                Attr.Ints("kernel_shape", 3),
                Attr.Ints("pads", 1, 1)
            )
        );
        x = Gelu(
            g.Op(
                "Conv",
                [x, Weight(prefix + "conv2.weight", d, d, 3), Weight(prefix + "conv2.bias", d)],
                Attr.Ints("kernel_shape", 3),
                Attr.Ints("pads", 1, 1),
                Attr.Ints("strides", 2)
            )
        ); // [B, D, P]
        x = g.Op("Transpose", [x], Attr.Ints("perm", 0, 2, 1)); // [B, P, D]
        x = g.Op("Add", [x, Weight(prefix + "embed_positions.weight", positions, d)]);
        x = g.Op("Reshape", [x, g.Int64("rows", -1, d)]); // [B·P, D]
        for (var i = 0; i < c.EncoderLayers; i++)
        {
            var p = $"{prefix}layers.{i}.";
            g.Scope = p;
            x = g.Op(
                "Add",
                [x, SelfAttention(LayerNorm(x, p + "self_attn_layer_norm", d), c, positions, p + "self_attn.")]
            );
            var h = LayerNorm(x, p + "final_layer_norm", d);
            h = Linear(Gelu(Linear(h, p + "fc1", c.EncoderFfnDim, d)), p + "fc2", d, c.EncoderFfnDim);
            x = g.Op("Add", [x, h]);
        }
        g.Scope = prefix;
        return LayerNorm(x, prefix + "layer_norm", d);
    }

    /// <summary>
    /// Whisper self-attention on rows [B·P, D]: one Linear for q, k and v together (q's weight and bias pre-multiplied
    /// by head_dim^-0.5, as HF scales q after its bias; k has no bias), heads split, softmax(q kᵀ) v, heads merged,
    /// out_proj.
    /// </summary>
    private string SelfAttention(string x, WhisperConfig c, int positions, string p)
    {
        int d = c.DModel,
            heads = c.EncoderAttentionHeads,
            hd = c.HeadDim;
        var scale = (float)Math.Pow(hd, -0.5);
        var (wq, _) = Read(p + "q_proj.weight", d, d);
        var (bq, _) = Read(p + "q_proj.bias", d);
        var (wk, _) = Read(p + "k_proj.weight", d, d);
        var (wv, _) = Read(p + "v_proj.weight", d, d);
        var (bv, _) = Read(p + "v_proj.bias", d);
        var w = new float[3 * d * d];
        for (var i = 0; i < d * d; i++)
            w[i] = wq[i] * scale;
        wk.CopyTo(w, d * d);
        wv.CopyTo(w, 2 * d * d);
        var b = new float[3 * d];
        for (var i = 0; i < d; i++)
            b[i] = bq[i] * scale;
        bv.CopyTo(b, 2 * d);
        var qkv = LinearFrom(x, w, b, 3 * d, d, "qkv"); // [B·P, 3D]
        var parts = g.Ops("Split", [qkv, g.Int64("split", d, d, d)], 3, Attr.Int("axis", 1));
        var headShape = g.Int64("heads", -1, positions, heads, hd);
        // [B, H, P, hd]
        var q = g.Op("Transpose", [g.Op("Reshape", [parts[0], headShape])], Attr.Ints("perm", 0, 2, 1, 3));
        // [B, H, hd, P]
        var kT = g.Op("Transpose", [g.Op("Reshape", [parts[1], headShape])], Attr.Ints("perm", 0, 2, 3, 1));
        // [B, H, P, hd]
        var v = g.Op("Transpose", [g.Op("Reshape", [parts[2], headShape])], Attr.Ints("perm", 0, 2, 1, 3));
        var attention = g.Op("Softmax", [g.Op("MatMul", [q, kT])], Attr.Int("axis", -1)); // [B, H, P, P]
        // [B, P, H, hd]
        var context = g.Op("Transpose", [g.Op("MatMul", [attention, v])], Attr.Ints("perm", 0, 2, 1, 3));
        context = g.Op("Reshape", [context, g.Int64("rows", -1, d)]); // [B·P, D]
        return Linear(context, p + "out_proj", d, d);
    }

    /// <summary>LayerNorm over the last axis, eps 1e-5 (ONNX LayerNormalization, opset 17).</summary>
    private string LayerNorm(string x, string name, int d) =>
        g.Op(
            "LayerNormalization",
            [x, Weight(name + ".weight", d), Weight(name + ".bias", d)],
            Attr.Int("axis", -1),
            Attr.Float("epsilon", 1e-5f)
        );

    /// <summary>
    /// Exact GELU, x·½·(1 + erf(x/√2)), written as PyTorch's exporter writes it so that ONNX Runtime fuses it into one
    /// Gelu kernel (GeluFusion) while any other runtime still reads plain opset-17 operators.
    /// </summary>
    public string Gelu(string x)
    {
        var erf = g.Op("Erf", [g.Op("Div", [x, g.Scalar(MathF.Sqrt(2f))])]);
        return g.Op("Mul", [g.Op("Mul", [x, g.Op("Add", [erf, g.Scalar(1f)])]), g.Scalar(0.5f)]);
    }

    /// <summary>A Linear layer y = x Wᵀ + b on rows [M, in] → [M, out], from the state dict's name.weight and
    /// name.bias.</summary>
    public string Linear(string x, string name, int outFeatures, int inFeatures)
    {
        var (w, _) = Read(name + ".weight", outFeatures, inFeatures);
        var (b, _) = Read(name + ".bias", outFeatures);
        return LinearFrom(x, w, b, outFeatures, inFeatures, name[(name.LastIndexOf('.') + 1)..]);
    }

    private string LinearFrom(string x, float[] w, float[] b, int outFeatures, int inFeatures, string stem)
    {
        if (int8)
            return Int8Linear.Emit(g, x, w, b, outFeatures, inFeatures, stem);
        return g.Op(
            "Gemm",
            [x, g.Float(stem + ".weight", w, outFeatures, inFeatures), g.Float(stem + ".bias", b, outFeatures)],
            Attr.Int("transB", 1)
        );
    }

    /// <summary>
    /// The head on the time-mean: rows [B·P, D] → (embedding [B, D], probabilities [B, classes]); float32 in both
    /// precisions (it is a tiny share of the work and decides the label).
    /// </summary>
    /// <param name="temperature">The calibration temperature T: the graph gives softmax(logits / T), as the TorchSharp
    /// engine does.</param>
    public (string Embedding, string Probabilities) Head(
        string rows,
        int positions,
        int d,
        int hidden,
        int classes,
        string prefix,
        double temperature = 1
    )
    {
        g.Scope = prefix;
        var pooled = g.Op(
            "ReduceMean",
            [g.Op("Reshape", [rows, g.Int64("sequence", -1, positions, d)])],
            Attr.Ints("axes", 1),
            Attr.Int("keepdims", 0)
        ); // [B, D]
        var (w1, _) = Read(prefix + "fc1.weight", hidden, d);
        var (b1, _) = Read(prefix + "fc1.bias", hidden);
        var (w2, _) = Read(prefix + "fc2.weight", classes, hidden);
        var (b2, _) = Read(prefix + "fc2.bias", classes);
        var z = g.Op(
            "Relu",
            [
                g.Op(
                    "Gemm",
                    [pooled, g.Float("fc1.weight", w1, hidden, d), g.Float("fc1.bias", b1, hidden)],
                    Attr.Int("transB", 1)
                ),
            ]
        );
        var logits = g.Op(
            "Gemm",
            [z, g.Float("fc2.weight", w2, classes, hidden), g.Float("fc2.bias", b2, classes)],
            Attr.Int("transB", 1)
        );
        if (temperature != 1)
            logits = g.Op("Div", [logits, g.Scalar((float)temperature)]); // [B, classes]
        var probabilities = g.Op("Softmax", [logits], Attr.Int("axis", 1));
        return (pooled, probabilities);
    }

    private string Weight(string name, params long[] shape)
    {
        var (data, _) = Read(name, shape);
        return g.Float(name[(name.LastIndexOf('.', name.LastIndexOf('.') - 1) + 1)..], data, shape);
    }

    private (float[] Data, long[] Shape) Read(string name, params long[] shape)
    {
        var (data, actual) = weights(name);
        if (!actual.SequenceEqual(shape))
        {
            throw new ArgumentException(
                $"tensor '{name}' has shape [{string.Join(", ", actual)}], expected [{string.Join(", ", shape)}]"
            );
        }

        return (data, actual);
    }
}
