using Emolingua.Util;

namespace Emolingua.Tests.Util;

public class CpuFeaturesTests
{
    // Excerpts of /proc/cpuinfo as Linux prints them (flags lines shortened to what matters, order kept).
    private const string AmdAvx2Only = """
        processor	: 0
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC
        flags		: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 sha_ni vaes vpclmulqdq

        processor	: 1
        vendor_id	: AuthenticAMD
        flags		: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 sha_ni vaes vpclmulqdq
        """;

    private const string AmdZen4 = """
        vendor_id	: AuthenticAMD
        flags		: fpu sse2 fma avx avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16 avx512_vnni
        """;

    private const string IntelSapphireRapids = """
        vendor_id	: GenuineIntel
        flags		: fpu sse2 fma avx avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8
        """;

    [Fact]
    public void Avx2OnlyAmdHasNoNativeBf16()
    {
        var cpu = CpuFeatures.FromCpuInfo(AmdAvx2Only);
        Assert.Equal("AuthenticAMD", cpu.Vendor);
        Assert.False(cpu.HasNativeBf16);
        Assert.True(cpu.HasAvx2Fma);
        Assert.Equal("avx2", cpu.VectorExtension);
        Assert.Equal(14, cpu.Flags.Count);
    }

    [Fact]
    public void Avx512Bf16OrAmxBf16IsNative()
    {
        var zen4 = CpuFeatures.FromCpuInfo(AmdZen4);
        Assert.True(zen4.HasNativeBf16);
        Assert.Equal("avx512f", zen4.VectorExtension);
        var spr = CpuFeatures.FromCpuInfo(IntelSapphireRapids);
        Assert.True(spr.HasNativeBf16);
        Assert.Equal("GenuineIntel", spr.Vendor);
    }

    [Fact]
    public void MissingFlagsLineMeansNothingNative()
    {
        var cpu = CpuFeatures.FromCpuInfo("processor\t: 0\nvendor_id\t: SomethingElse\n");
        Assert.Empty(cpu.Flags);
        Assert.False(cpu.HasNativeBf16);
        Assert.False(cpu.HasAvx2Fma);
        Assert.Equal("none", cpu.VectorExtension);
    }

    [Fact]
    public void Bf16IsRefusedInOneLineWithTheReason()
    {
        Precisions.Require(Precision.Fp32, "--precision", CpuFeatures.FromCpuInfo(AmdAvx2Only)); // fp32 always runs
        var slow = Assert.Throws<EmolinguaException>(() => Precisions.Require(Precision.Bf16, "--precision", CpuFeatures.FromCpuInfo(AmdAvx2Only)));
        Assert.StartsWith("--precision bf16: this CPU has no native bfloat16", slow.Message);
        Assert.DoesNotContain('\n', slow.Message);
        // Native bf16 is detected, but the bf16 path is not built (never run on such a machine): refused all the same.
        var untested = Assert.Throws<EmolinguaException>(() => Precisions.Require(Precision.Bf16, "training.precision", CpuFeatures.FromCpuInfo(AmdZen4)));
        Assert.Contains("has native bfloat16", untested.Message);
        Assert.Throws<EmolinguaException>(() => Precisions.Parse("fp16", "--precision"));
        Assert.Equal(Precision.Fp32, Precisions.Parse(null, "--precision"));
    }
}
