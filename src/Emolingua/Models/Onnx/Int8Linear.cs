namespace Emolingua.Models.Onnx;

/// <summary>
/// A Linear layer quantized the way ONNX Runtime's <c>quantize_dynamic(per_channel=True, reduce_range=True)</c> writes
/// a
/// MatMul: int8 weights per output channel (symmetric, zero point 0), the activation quantized to uint8 at run time,
/// DynamicQuantizeLinear → MatMulInteger (per-column zero points) → Cast → Mul (activation scale × column scales) → Add
/// bias. ONNX Runtime fuses this chain into its DynamicQuantizeMatMul kernel; other runtimes read standard operators.
/// </summary>
/// <remarks>
/// Weights use 7 bits (|q| ≤ <see cref="MaxLevel"/>), ORT's reduce_range: on x86 CPUs without VNNI, ORT's u8·s8
/// kernels add pairs of products in 16 bits with saturation (vpmaddubsw), which 255·127·2 overflows and 255·64·2 does
/// not.
/// </remarks>
internal static class Int8Linear
{
    public const int MaxLevel = 64;

    /// <summary>Per output channel n: scale[n] = max|W[n, :]| / MaxLevel, q = round(W / scale); returned as [in, out]
    /// for MatMulInteger.</summary>
    public static (sbyte[] Transposed, float[] Scales) Quantize(float[] w, int outFeatures, int inFeatures)
    {
        var q = new sbyte[w.Length];
        var scales = new float[outFeatures];
        for (var n = 0; n < outFeatures; n++)
        {
            float max = 0;
            for (var k = 0; k < inFeatures; k++)
                max = Math.Max(max, Math.Abs(w[n * inFeatures + k]));
            var scale = max > 0 ? max / MaxLevel : 1f;
            scales[n] = scale;
            for (var k = 0; k < inFeatures; k++)
            {
                q[k * outFeatures + n] = (sbyte)
                    Math.Clamp(Math.Round(w[n * inFeatures + k] / scale, MidpointRounding.ToEven), -MaxLevel, MaxLevel);
            }
        }
        return (q, scales);
    }

    /// <summary>Rows x [M, in] → x Wᵀ + b [M, out] through int8 weights.</summary>
    public static string Emit(
        OnnxGraphBuilder g,
        string x,
        float[] w,
        float[] b,
        int outFeatures,
        int inFeatures,
        string stem
    )
    {
        var (q, scales) = Quantize(w, outFeatures, inFeatures);
        var quantized = g.Ops("DynamicQuantizeLinear", [x], 3); // uint8 [M, in], scale, zero point
        var product = g.Op(
            "MatMulInteger",
            [
                quantized[0],
                g.Int8(stem + ".weight_int8", q, inFeatures, outFeatures),
                quantized[2],
                g.Int8(stem + ".weight_zero_point", new sbyte[outFeatures], outFeatures),
            ]
        ); // int32 [M, out]
        var real = g.Op("Cast", [product], Attr.Int("to", (long)global::Onnx.TensorProto.Types.DataType.Float));
        var scale = g.Op("Mul", [quantized[1], g.Float(stem + ".weight_scale", scales, outFeatures)]); // [out]
        return g.Op("Add", [g.Op("Mul", [real, scale]), g.Float(stem + ".bias", b, outFeatures)]);
    }
}
