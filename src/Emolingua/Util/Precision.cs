namespace Emolingua.Util;

/// <summary>The number format a model computes in: fp32, or bfloat16 (only where the CPU has it natively).</summary>
public enum Precision { Fp32, Bf16 }

public static class Precisions
{
    public const string Names = "fp32 or bf16";

    /// <summary>"fp32" or "bf16" (null: fp32); anything else is the caller's option error.</summary>
    public static Precision Parse(string? name, string option) => name switch
    {
        null or "fp32" => Precision.Fp32,
        "bf16" => Precision.Bf16,
        _ => throw new EmolinguaException($"{option} '{name}': {Names}"),
    };

    public static string Name(this Precision precision) => precision == Precision.Bf16 ? "bf16" : "fp32";

    /// <summary>
    /// Refuses bf16 in one line unless it can run natively and fast. Without AVX512_BF16 or AMX-BF16 libtorch emulates
    /// bfloat16 products (measured on an AVX2-only machine: 77× slower than fp32), so that path is never taken. With
    /// them, bf16 compute is still refused: no machine of this project has native bf16, and an untested bf16 path is
    /// not shipped.
    /// </summary>
    public static void Require(Precision precision, string option, CpuFeatures cpu)
    {
        if (precision == Precision.Fp32) return;
        if (!cpu.HasNativeBf16)
            throw new EmolinguaException($"{option} bf16: this CPU has no native bfloat16 (no avx512_bf16 or amx_bf16 in /proc/cpuinfo; it has {cpu.VectorExtension}) and emulated bf16 is many times slower than fp32: use fp32");
        throw new EmolinguaException($"{option} bf16: this CPU has native bfloat16, but Emolingua's bf16 path is not built yet (never run on such a machine): use fp32");
    }
}
