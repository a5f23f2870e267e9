using System.Text.Json.Nodes;
using Emolingua.Util;

namespace Emolingua.Tests.Cli;

/// <summary>bench as a child process: a fresh process decides MKL's code path and the precision check on its
/// own.</summary>
public class BenchCommandTests
{
    [Fact]
    public void GemmReportsRateAndMklRunsTheWidestPathTheCpuHasOnAmd()
    {
        // MKL_VERBOSE=1: MKL prints the code path it takes (its own words, the independent check) before its first
        // call.
        var r = CliHarness.RunChild(
            new Dictionary<string, string?> { ["MKL_VERBOSE"] = "1" },
            "bench",
            "gemm",
            "--m",
            "96",
            "--k",
            "64",
            "--n",
            "80",
            "--iters",
            "2",
            "--warmup",
            "0"
        );
        Assert.True(r.ExitCode == 0, r.Err);
        var json = JsonNode.Parse(r.OutLines.Single(l => l.StartsWith('{')))!.AsObject();
        var banner = r.OutLines.First(l => l.StartsWith("MKL_VERBOSE oneMKL", StringComparison.Ordinal));
        Assert.Equal("gemm 96x64x80", (string)json["what"]!);
        var ms = (double)json["median_ms"]!;
        // rounded to 0.1
        Assert.Equal(2.0 * 96 * 64 * 80 / (ms * 1e6), (double)json["gflops"]!, 0.1 + 0.01 * (double)json["gflops"]!);
        Assert.Null(json["peak_gflops"]); // only without an explicit shape
        // On an AMD CPU Emolingua switches MKL to the widest kernels the flags allow (MKL alone says "Intel(R) 64
        // architecture Intel(R) Architecture processors" there: its generic path): AVX-512 with VNNI and bfloat16
        // where avx512_bf16 is present, AVX2 on an AVX2-only CPU; elsewhere MKL's choice is kept.
        var cpu = CpuFeatures.Machine;
        if (
            cpu.Vendor == "AuthenticAMD"
            && cpu.HasAvx512Core
            && cpu.Flags.Contains("avx512_vnni")
            && cpu.Flags.Contains("avx512_bf16")
        )
        {
            Assert.Equal("avx512_e3 (switched)", (string)json["mkl"]!);
            Assert.Equal("avx512_e3", (string)json["mkl_path"]!);
            Assert.Contains(
                "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) with support of Intel(R) Deep Learning Boost (Intel(R) DL Boost) and bfloat16",
                banner
            );
        }
        else if (cpu.Vendor == "AuthenticAMD" && cpu.HasAvx2Fma && !cpu.HasAvx512Core)
        {
            Assert.Equal("avx2 (switched)", (string)json["mkl"]!);
            Assert.Equal("avx2", (string)json["mkl_path"]!);
            Assert.Contains("Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX2) enabled processors", banner);
        }
        else if (cpu.Vendor != "AuthenticAMD")
        {
            Assert.StartsWith("unchanged: ", (string)json["mkl"]!);
        }
        // Every line names the machine.
        Assert.Equal(cpu.Summary, (string)json["cpu_flags"]!);
        Assert.StartsWith(cpu.ModelName, (string)json["cpu"]!);
        Assert.True((int)json["threads"]! >= 1);
    }

    [Fact]
    public void MklHonoursTheUsersInstructionCap()
    {
        // MKL_ENABLE_INSTRUCTIONS is MKL's own switch: with the vendor answer fixed, MKL applies the user's cap.
        var cpu = CpuFeatures.Machine;
        var r = CliHarness.RunChild(
            new Dictionary<string, string?> { ["MKL_VERBOSE"] = "1", ["MKL_ENABLE_INSTRUCTIONS"] = "AVX2" },
            "bench",
            "gemm",
            "--m",
            "96",
            "--k",
            "64",
            "--n",
            "80",
            "--iters",
            "1",
            "--warmup",
            "0"
        );
        Assert.True(r.ExitCode == 0, r.Err);
        var json = JsonNode.Parse(r.OutLines.Single(l => l.StartsWith('{')))!.AsObject();
        if (cpu.Vendor != "AuthenticAMD" || !cpu.HasAvx2Fma)
        {
            // the switch acts on AMD only; elsewhere MKL decides alone
            Assert.StartsWith("unchanged: ", (string)json["mkl"]!);
            return;
        }
        Assert.EndsWith("(switched; MKL_ENABLE_INSTRUCTIONS=AVX2)", (string)json["mkl"]!);
        Assert.Equal("avx2", (string)json["mkl_path"]!);
        Assert.Contains(
            "Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX2) enabled processors",
            r.OutLines.First(l => l.StartsWith("MKL_VERBOSE oneMKL", StringComparison.Ordinal))
        );
    }

    [Fact]
    public void GemmReportsTheFractionOfTheFp32PeakFromFlagsCoresAndClock()
    {
        var r = CliHarness.RunChild("bench", "gemm", "--iters", "1", "--warmup", "0", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Err);
        var json = JsonNode.Parse(r.OutLines.Single(l => l.StartsWith('{')))!.AsObject();
        double clock = (double)json["clock_ghz"]!,
            peak = (double)json["fp32_peak_gflops"]!;
        var fma = (int)json["fma_per_cycle"]!;
        Assert.Equal(CpuFeatures.Machine.FmaThroughput().Fp32FmaPerCycle, fma);
        Assert.Equal(1 * fma * 2 * clock, peak, 0.05 + 0.01 * peak); // one thread: one core
        Assert.InRange(clock, 0.3, 7.0);
        Assert.Equal(
            (double)json["gflops"]! / peak,
            (double)json["fraction_of_fp32_peak"]!,
            0.002 + 0.01 * (double)json["fraction_of_fp32_peak"]!
        );
        Assert.Equal(
            (double)json["peak_gflops"]! / peak,
            (double)json["peak_fraction_of_fp32_peak"]!,
            0.002 + 0.01 * (double)json["peak_fraction_of_fp32_peak"]!
        );
    }

    [Fact]
    public void OpenMpWaitPolicyIsLibgompsOrTheUsers()
    {
        // OMP_DISPLAY_ENV=VERBOSE: libgomp prints the settings it read when libtorch loaded it (its own report). It
        // names an unset policy 'PASSIVE' too; the spin count tells them apart (libgomp's default spins 300000 polls).
        var r = CliHarness.RunChild(
            new Dictionary<string, string?>
            {
                ["OMP_DISPLAY_ENV"] = "VERBOSE",
                ["OMP_WAIT_POLICY"] = null,
                ["GOMP_SPINCOUNT"] = null,
            },
            "bench",
            "gemm",
            "--m",
            "8",
            "--k",
            "8",
            "--n",
            "8",
            "--iters",
            "1",
            "--warmup",
            "0"
        );
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("GOMP_SPINCOUNT = '300000'", r.Err); // libgomp's own default, not forced
        Assert.Equal("default", (string)JsonNode.Parse(r.OutLines.Single(l => l.StartsWith('{')))!["omp_wait_policy"]!);
        // A policy the user chose reaches libgomp and the report.
        var passive = CliHarness.RunChild(
            new Dictionary<string, string?>
            {
                ["OMP_DISPLAY_ENV"] = "VERBOSE",
                ["OMP_WAIT_POLICY"] = "PASSIVE",
                ["GOMP_SPINCOUNT"] = null,
            },
            "bench",
            "gemm",
            "--m",
            "8",
            "--k",
            "8",
            "--n",
            "8",
            "--iters",
            "1",
            "--warmup",
            "0"
        );
        Assert.Contains("GOMP_SPINCOUNT = '0'", passive.Err);
        Assert.Equal(
            "PASSIVE",
            (string)JsonNode.Parse(passive.OutLines.Single(l => l.StartsWith('{')))!["omp_wait_policy"]!
        );
    }

    [Fact]
    public void EncoderReportsFractionOfPeak()
    {
        var r = CliHarness.RunChild(
            "bench",
            "encoder",
            "--size",
            "tiny",
            "--mode",
            "forward",
            "--batch",
            "1",
            "--seconds",
            "1",
            "--iters",
            "1",
            "--warmup",
            "0"
        );
        Assert.True(r.ExitCode == 0, r.Err);
        var json = JsonNode.Parse(r.OutLines.Single())!.AsObject();
        // whisper-tiny forward, 1 × 1 s (P = 50, F = 100): conv1 2·100·384·240 + conv2 2·50·384·1152
        // + 4 layers × (8·50·384² + 4·50²·384 + 4·50·384·1536) = 18.432 M + 44.237 M + 4 × 180.787 M = 0.7858 GFLOP.
        Assert.Equal(0.8, (double)json["gflop"]!);
        var expected = (double)json["gflops"]! / (double)json["peak_gflops"]!;
        Assert.Equal(expected, (double)json["fraction_of_peak"]!, 0.01 + 0.02 * expected);
        Assert.Equal("fp32", (string)json["precision"]!);
    }

    [Fact]
    public void Bf16RunsWhereNativeAndIsRefusedInOneLineElsewhere()
    {
        var r = CliHarness.RunChild(
            "bench",
            "encoder",
            "--size",
            "tiny",
            "--mode",
            "train",
            "--batch",
            "1",
            "--seconds",
            "1",
            "--precision",
            "bf16",
            "--iters",
            "1",
            "--warmup",
            "0"
        );
        if (CpuFeatures.Machine.HasNativeBf16)
        {
            Assert.True(r.ExitCode == 0, r.Err);
            Assert.Equal("bf16", (string)JsonNode.Parse(r.OutLines.Single(l => l.StartsWith('{')))!["precision"]!);
        }
        else
        {
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("", r.Out);
            Assert.StartsWith("error: --precision bf16: this CPU has no native bfloat16", Assert.Single(r.ErrLines));
        }
        var onnx = CliHarness.RunChild(
            "bench",
            "encoder",
            "--size",
            "tiny",
            "--seconds",
            "1",
            "--mode",
            "forward",
            "--engine",
            "onnx",
            "--precision",
            "bf16"
        );
        Assert.NotEqual(0, onnx.ExitCode);
        Assert.Contains("--precision bf16", onnx.Err);
    }

    [Fact]
    public void TrainRefusesBf16BeforeWritingAnything()
    {
        using var dir = new TempDir();
        var recipe = dir.File("r.json");
        File.WriteAllText(
            recipe,
            """{"method": "baseline", "model": {"size": "tiny"}, "data": {"english": [{"kind": "iemocap", "root": "nowhere"}]}}"""
        );
        var run = dir.File("run");
        var r = CliHarness.RunChild("train", recipe, "--out", run, "--precision", "bf16");
        Assert.Equal(1, r.ExitCode);
        // Without native bf16 the precision is refused first; with it (Bf16TrainingTests runs it) the missing corpus is
        // the error.
        if (CpuFeatures.Machine.HasNativeBf16)
            Assert.Contains("nowhere", Assert.Single(r.ErrLines));
        else
            Assert.StartsWith("error: training.precision bf16: ", Assert.Single(r.ErrLines));
        Assert.False(Directory.Exists(run));
        var bad = CliHarness.RunChild("train", recipe, "--out", run, "--set", "training.precision=fp16");
        Assert.Contains("training.precision 'fp16'", Assert.Single(bad.ErrLines));
    }
}
