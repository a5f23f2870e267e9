using System.Runtime.InteropServices;
using TorchSharp;

namespace Emolingua.Util;

/// <summary>
/// libtorch 2.10 links oneMKL 2024.0 statically, and MKL chooses its code path by CPU vendor: on an AMD CPU it takes
/// the generic "Intel 64" path even where the CPU has AVX2, FMA and AVX-512 (MKL_VERBOSE=1 prints the path). Every
/// matrix product of a Linear layer ends in MKL's sgemm, so on AMD the generic path costs 13–20 % of each product
/// (README "Measured").
/// <para>
/// No supported switch raises the path on a non-Intel CPU (measured with this build, MKL_VERBOSE's banner):
/// MKL_DEBUG_CPU_TYPE is gone since 2020, MKL_ENABLE_INSTRUCTIONS (and mkl_enable_instructions) only caps the path
/// MKL would take, and MKL_CBWR=AVX2 or AVX512 falls back to AUTO ("CNR:AUTO") on AMD. So the one thing no switch
/// does is done by hand: MKL keeps its vendor answer in two cached integers read by mkl_serv_intel_cpu() and
/// mkl_serv_intel_cpu_true(), both exported by libtorch_cpu.so, and <see cref="Ensure"/> sets them to "yes" before
/// MKL's first call. MKL then dispatches by the CPU's own feature bits; <see cref="Ensure"/> also names the widest
/// instruction set of MKL's that this CPU has (<see cref="WidestFor"/>, from /proc/cpuinfo) with
/// <c>mkl_serv_enable_instructions</c>, so the path is decided by the flags, the same on every run: AVX-512 (with
/// VNNI and BF16 where present) on an AVX-512 machine, AVX2 on an AVX2-only one (as before). A user's
/// MKL_ENABLE_INSTRUCTIONS (MKL's own cap, e.g. AVX2 to compare) is left to MKL, which honours it.
/// </para>
/// <para>
/// Nothing is done unless the CPU is AMD with AVX2 and FMA, the two functions begin with exactly the instructions
/// expected (so a different MKL build is left alone), and MKL has not yet decided (a process never switches path
/// midway: results stay reproducible within a run and across resumed runs). On Intel CPUs MKL already dispatches by
/// features. <c>EMOLINGUA_MKL_AVX2_ON_AMD=0</c> turns it off (MKL's generic path, to measure the difference).
/// </para>
/// </summary>
public static class MklCodePath
{
    private static readonly Lazy<string> Decision = new(Decide, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<IntPtr> Library = new(LoadLibTorchCpu, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Applies the switch once per process (call before the first matrix product; later calls are free) and returns
    /// what happened: "avx2 (switched)", "avx512_e3 (switched)", "... (switched; MKL_ENABLE_INSTRUCTIONS=X)",
    /// "unchanged: REASON".
    /// </summary>
    public static string Ensure() => Decision.Value;

    /// <summary>
    /// MKL's instruction-set values (mkl_service.h, MKL_ENABLE_*) with the /proc/cpuinfo flags each needs, widest
    /// first.
    /// The names follow MKL's: E1 adds VNNI (Cascade Lake), E2 Ice Lake's integer and crypto extensions, E3 bfloat16
    /// (Cooper Lake), E4 AMX and FP16 (Sapphire Rapids). Checked against MKL_VERBOSE's banner for each value.
    /// </summary>
    private static readonly (string Name, int Value, string[] Needs)[] InstructionSets =
    {
        ("avx512_e4", 9, ["avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8", "avx512_fp16"]),
        ("avx512_e3", 8, ["avx512_vnni", "avx512_bf16"]),
        (
            "avx512_e2",
            7,
            [
                "avx512_vnni",
                "avx512ifma",
                "avx512vbmi",
                "avx512_vbmi2",
                "avx512_bitalg",
                "avx512_vpopcntdq",
                "vaes",
                "vpclmulqdq",
                "gfni",
            ]
        ),
        ("avx512_e1", 6, ["avx512_vnni"]),
        ("avx512", 4, []),
    };
    private const int MklEnableAvx2 = 2; // mkl_service.h: MKL_ENABLE_AVX2

    /// <summary>The widest of MKL's instruction sets that <paramref name="cpu"/> has: an AVX-512 level, else AVX2 (with
    /// FMA), else null.</summary>
    public static (string Name, int Value)? WidestFor(CpuFeatures cpu)
    {
        if (cpu.HasAvx512Core)
        {
            foreach (var (name, value, needs) in InstructionSets)
            {
                if (needs.All(cpu.Flags.Contains))
                    return (name, value);
            }
        }

        return cpu.HasAvx2Fma ? ("avx2", MklEnableAvx2) : null;
    }

    /// <summary>
    /// The code path MKL reports it runs (mkl_serv_get_cpu_type after <see cref="Ensure"/>): generic, avx2, avx512,
    /// avx512_e1, avx512_e2, avx512_e3, or "cpu type N" for a value not seen here; null where MKL is not found.
    /// </summary>
    public static string? Current()
    {
        Ensure();
        var library = Library.Value;
        if (library == IntPtr.Zero || !NativeLibrary.TryGetExport(library, "mkl_serv_get_cpu_type", out var function))
            return null;
        var type = Marshal.GetDelegateForFunctionPointer<GetCpuType>(function)();
        // Values read from this build beside MKL_VERBOSE's banner for each path.
        return type switch
        {
            0 => "generic",
            5 => "avx2",
            7 => "avx512",
            9 => "avx512_e1",
            10 => "avx512_e2",
            12 => "avx512_e3",
            _ => $"cpu type {type}",
        };
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int EnableInstructions(int isa);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetCpuType();

    private static string Decide()
    {
        if (Environment.GetEnvironmentVariable("EMOLINGUA_MKL_AVX2_ON_AMD") == "0")
            return "unchanged: EMOLINGUA_MKL_AVX2_ON_AMD=0";
        var cpu = CpuFeatures.Machine;
        if (cpu.Vendor != "AuthenticAMD")
            return $"unchanged: CPU vendor '{cpu.Vendor}'";
        if (WidestFor(cpu) is not { } widest)
            return "unchanged: no AVX2/FMA";
        var library = Library.Value;
        if (library == IntPtr.Zero)
            return "unchanged: libtorch_cpu.so not found";
        // mkl_serv_intel_cpu:      8B 05 rel32 (mov eax, [cached])  83 F8 FF (cmp eax, -1)
        // mkl_serv_intel_cpu_true: 8B 05 rel32 (mov eax, [cached])  85 C0 78 (test eax, eax; js)
        var intelCpu = CachedAnswer(library, "mkl_serv_intel_cpu", new byte[] { 0x83, 0xF8, 0xFF });
        var intelCpuTrue = CachedAnswer(library, "mkl_serv_intel_cpu_true", new byte[] { 0x85, 0xC0, 0x78 });
        if (intelCpu == IntPtr.Zero || intelCpuTrue == IntPtr.Zero)
            return "unchanged: not the MKL build expected";
        if (!NativeLibrary.TryGetExport(library, "mkl_serv_enable_instructions", out var enable))
            return "unchanged: no mkl_serv_enable_instructions";
        if (Marshal.ReadInt32(intelCpu) != -1)
            return "unchanged: MKL had already chosen its path";
        Marshal.WriteInt32(intelCpuTrue, 1);
        Marshal.WriteInt32(intelCpu, 1);
        if (Environment.GetEnvironmentVariable("MKL_ENABLE_INSTRUCTIONS") is { Length: > 0 } userCap)
            return $"{widest.Name} (switched; MKL_ENABLE_INSTRUCTIONS={userCap})";
        var accepted = Marshal.GetDelegateForFunctionPointer<EnableInstructions>(enable)(widest.Value);
        return accepted == 1 ? $"{widest.Name} (switched)" : $"{widest.Name} (switched; the cap was refused)";
    }

    /// <summary>The address of the cached integer a function reads first, if it begins "mov eax, [rip+rel32]" then
    /// <paramref name="next"/>.</summary>
    private static IntPtr CachedAnswer(IntPtr library, string name, byte[] next)
    {
        if (!NativeLibrary.TryGetExport(library, name, out var function))
            return IntPtr.Zero;
        if (Marshal.ReadByte(function, 0) != 0x8B || Marshal.ReadByte(function, 1) != 0x05)
            return IntPtr.Zero;
        for (var i = 0; i < next.Length; i++)
        {
            if (Marshal.ReadByte(function, 6 + i) != next[i])
                return IntPtr.Zero;
        }

        return function + 6 + Marshal.ReadInt32(function, 2);
    }

    /// <summary>The already loaded libtorch_cpu.so (loading TorchSharp's native libraries first), or zero.</summary>
    private static IntPtr LoadLibTorchCpu()
    {
        torch.get_num_threads(); // loads libtorch through TorchSharp
        string? path = null;
        try
        {
            path = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..] : "")
                .FirstOrDefault(file => file.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
        }
        catch (IOException) { }
        return path != null && NativeLibrary.TryLoad(path, out var handle) ? handle : IntPtr.Zero;
    }
}
