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

    // This project's machines as /proc/cpuinfo shows them (flags lines shortened to the vector extensions, order kept).
    private const string AmdZen4Genoa = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model		: 17
        model name	: AMD EPYC
        stepping	: 1
        cpu MHz		: 2596.136
        flags		: fpu sse2 fma avx avx2 avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512_bf16 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq avx512vbmi avx512_vbmi2

        processor	: 1
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model		: 17
        model name	: AMD EPYC
        cpu MHz		: 2596.136
        flags		: fpu sse2 fma avx avx2 avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512_bf16 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq avx512vbmi avx512_vbmi2
        """;

    private const string AmdZen5 = """
        vendor_id	: AuthenticAMD
        cpu family	: 26
        model		: 2
        model name	: AMD EPYC 9R45
        flags		: fpu sse2 fma avx avx2 avx_vnni avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_vnni avx512_vp2intersect
        """;

    private const string IntelSkylakeSp = """
        vendor_id	: GenuineIntel
        cpu family	: 6
        model		: 85
        model name	: Intel(R) Xeon(R) Platinum 8175M CPU @ 2.50GHz
        flags		: fpu sse2 fma avx avx2 avx512f avx512dq avx512cd avx512bw avx512vl
        """;

    [Fact]
    public void SummaryNamesTheInstructionFamilies()
    {
        Assert.Equal("AVX2", CpuFeatures.FromCpuInfo(AmdAvx2Only).Summary);
        Assert.Equal("AVX2 AVX-512 VNNI BF16", CpuFeatures.FromCpuInfo(AmdZen4Genoa).Summary);
        Assert.Equal("AVX2 AVX-512", CpuFeatures.FromCpuInfo(IntelSkylakeSp).Summary);
        Assert.Equal("none", CpuFeatures.FromCpuInfo("vendor_id\t: X\n").Summary);
        // AMX without the AVX-512 core set in this excerpt: VNNI, BF16 and AMX still named.
        Assert.Equal("AVX2 VNNI BF16 AMX", CpuFeatures.FromCpuInfo(IntelSapphireRapids).Summary);
        var genoa = CpuFeatures.FromCpuInfo(AmdZen4Genoa);
        Assert.Equal(("AMD EPYC", 25, 17, 2596.136), (genoa.ModelName, genoa.Family, genoa.Model, genoa.NominalMHz));
    }

    [Fact]
    public void FmaWidthFollowsTheKindOfCore()
    {
        // 512-bit double-pumped
        Assert.Equal(16, CpuFeatures.FromCpuInfo(AmdZen4Genoa).FmaThroughput().Fp32FmaPerCycle);
        Assert.Equal(32, CpuFeatures.FromCpuInfo(AmdZen5).FmaThroughput().Fp32FmaPerCycle); // two 512-bit units
        Assert.Equal(32, CpuFeatures.FromCpuInfo(IntelSkylakeSp).FmaThroughput().Fp32FmaPerCycle);
        Assert.Equal(16, CpuFeatures.FromCpuInfo(AmdAvx2Only).FmaThroughput().Fp32FmaPerCycle); // two 256-bit units
    }

    [Fact]
    public void MklGetsTheWidestInstructionSetTheFlagsAllow()
    {
        // MKL_ENABLE_* values of mkl_service.h: AVX2 2, AVX512 4, AVX512_E1 6, AVX512_E2 7, AVX512_E3 8, AVX512_E4 9.
        Assert.Equal(("avx512_e3", 8), MklCodePath.WidestFor(CpuFeatures.FromCpuInfo(AmdZen4Genoa)));
        Assert.Equal(("avx512_e3", 8), MklCodePath.WidestFor(CpuFeatures.FromCpuInfo(AmdZen5)));
        Assert.Equal(("avx512", 4), MklCodePath.WidestFor(CpuFeatures.FromCpuInfo(IntelSkylakeSp)));
        Assert.Equal(("avx2", 2), MklCodePath.WidestFor(CpuFeatures.FromCpuInfo(AmdAvx2Only)));
        var iceLake = new CpuFeatures(
            CpuFeatures.FromCpuInfo(AmdZen4Genoa).Flags.Where(f => f != "avx512_bf16"),
            "GenuineIntel"
        );
        Assert.Equal(("avx512_e2", 7), MklCodePath.WidestFor(iceLake));
        var cascadeLake = new CpuFeatures(
            CpuFeatures.FromCpuInfo(IntelSkylakeSp).Flags.Append("avx512_vnni"),
            "GenuineIntel"
        );
        Assert.Equal(("avx512_e1", 6), MklCodePath.WidestFor(cascadeLake));
        Assert.Null(MklCodePath.WidestFor(new CpuFeatures(["avx", "sse2"])));
    }

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
        var slow = Assert.Throws<EmolinguaException>(() =>
            Precisions.Require(Precision.Bf16, "--precision", CpuFeatures.FromCpuInfo(AmdAvx2Only))
        );
        Assert.StartsWith("--precision bf16: this CPU has no native bfloat16", slow.Message);
        Assert.DoesNotContain('\n', slow.Message);
        // Native bf16 (avx512_bf16 or amx_bf16) runs.
        Precisions.Require(Precision.Bf16, "training.precision", CpuFeatures.FromCpuInfo(AmdZen4));
        Precisions.Require(Precision.Bf16, "training.precision", CpuFeatures.FromCpuInfo(IntelSapphireRapids));
        Assert.Throws<EmolinguaException>(() => Precisions.Parse("fp16", "--precision"));
        Assert.Equal(Precision.Fp32, Precisions.Parse(null, "--precision"));
    }
}
