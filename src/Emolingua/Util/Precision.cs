using System.Text.Json.Serialization;

namespace Emolingua.Util;

/// <summary>The number format a model computes in: fp32, or bfloat16 (only where the CPU has it natively).</summary>
[JsonConverter(typeof(VocabularyConverter<Precision>))]
public enum Precision
{
    Fp32,
    Bf16,
}

public static class Precisions
{
    /// <summary>"fp32" or "bf16" (null: fp32); anything else is the caller's option error.</summary>
    public static Precision Parse(string? name, string option) =>
        name == null ? Precision.Fp32 : Vocabulary<Precision>.Parse(name, option);

    /// <summary>
    /// Refuses bf16 in one line unless it can run natively and fast. Without AVX512_BF16 or AMX-BF16 libtorch emulates
    /// bfloat16 products (measured on an AVX2-only machine: 77× slower than fp32), so users never take that path there
    /// (tests do, on tiny shapes: the numbers are right, only slow).
    /// </summary>
    public static void Require(Precision precision, string option, CpuFeatures cpu)
    {
        if (precision == Precision.Fp32 || cpu.HasNativeBf16)
            return;
        throw new EmolinguaException(
            $"{option} bf16: this CPU has no native bfloat16 (no avx512_bf16 or amx_bf16 in /proc/cpuinfo; it has {cpu.VectorExtension}) and emulated bf16 is many times slower than fp32: use fp32"
        );
    }

    /// <summary>The dtype the encoder's matrix products run in: null for fp32 (no casts), BFloat16 for bf16.</summary>
    public static TorchSharp.torch.ScalarType? ComputeType(this Precision precision) =>
        precision == Precision.Bf16 ? TorchSharp.torch.ScalarType.BFloat16 : null;
}
