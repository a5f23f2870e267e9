using System.Runtime.InteropServices;
using TorchSharp;

namespace Emolingua.Util;

/// <summary>
/// libtorch 2.10 links oneMKL 2024.0 statically, and MKL chooses its code path by CPU vendor: on an AMD CPU it takes
/// the generic "Intel 64" path even where the CPU has AVX2 and FMA (MKL_VERBOSE=1 prints the path; MKL_DEBUG_CPU_TYPE
/// is gone since 2020 and MKL_ENABLE_INSTRUCTIONS / MKL_CBWR only lower the path). Every matrix product of a Linear
/// layer ends in MKL's sgemm, so on AMD this costs about 13 % of each product (measured, README "Measured").
/// <para>
/// MKL keeps its vendor answer in two cached integers read by mkl_serv_intel_cpu() and mkl_serv_intel_cpu_true(),
/// both exported by libtorch_cpu.so. Before MKL's first call, <see cref="Ensure"/> sets them to "yes" and caps the
/// instruction set at AVX2 (<c>mkl_serv_enable_instructions(MKL_ENABLE_AVX2)</c>), so MKL runs its AVX2 kernels,
/// which this CPU executes natively. Nothing is done unless the CPU is AMD with AVX2 and FMA, the two functions begin
/// with exactly the instructions expected (so a different MKL build is left alone), and MKL has not yet decided
/// (a process never switches path midway: results stay reproducible within a run and across resumed runs).
/// <c>EMOLINGUA_MKL_AVX2_ON_AMD=0</c> turns it off (to measure the difference).
/// </para>
/// </summary>
public static class MklCodePath
{
    private static readonly Lazy<string> Decision = new(Decide, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<IntPtr> Library = new(LoadLibTorchCpu, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Applies the switch once per process (call before the first matrix product; later calls are free) and returns
    /// what happened: "avx2 (switched)", "unchanged: REASON".
    /// </summary>
    public static string Ensure() => Decision.Value;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int EnableInstructions(int isa);

    private const int MklEnableAvx2 = 2; // mkl_service.h: MKL_ENABLE_AVX2

    private static string Decide()
    {
        if (Environment.GetEnvironmentVariable("EMOLINGUA_MKL_AVX2_ON_AMD") == "0") return "unchanged: EMOLINGUA_MKL_AVX2_ON_AMD=0";
        var cpu = CpuFeatures.Machine;
        if (cpu.Vendor != "AuthenticAMD") return $"unchanged: CPU vendor '{cpu.Vendor}'";
        if (!cpu.HasAvx2Fma) return "unchanged: no AVX2/FMA";
        var library = Library.Value;
        if (library == IntPtr.Zero) return "unchanged: libtorch_cpu.so not found";
        // mkl_serv_intel_cpu:      8B 05 rel32 (mov eax, [cached])  83 F8 FF (cmp eax, -1)
        // mkl_serv_intel_cpu_true: 8B 05 rel32 (mov eax, [cached])  85 C0 78 (test eax, eax; js)
        var intelCpu = CachedAnswer(library, "mkl_serv_intel_cpu", new byte[] { 0x83, 0xF8, 0xFF });
        var intelCpuTrue = CachedAnswer(library, "mkl_serv_intel_cpu_true", new byte[] { 0x85, 0xC0, 0x78 });
        if (intelCpu == IntPtr.Zero || intelCpuTrue == IntPtr.Zero) return "unchanged: not the MKL build expected";
        if (!NativeLibrary.TryGetExport(library, "mkl_serv_enable_instructions", out var enable)) return "unchanged: no mkl_serv_enable_instructions";
        if (Marshal.ReadInt32(intelCpu) != -1) return "unchanged: MKL had already chosen its path";
        Marshal.WriteInt32(intelCpuTrue, 1);
        Marshal.WriteInt32(intelCpu, 1);
        int accepted = Marshal.GetDelegateForFunctionPointer<EnableInstructions>(enable)(MklEnableAvx2);
        return accepted == 1 ? "avx2 (switched)" : "avx2 (switched; the AVX2 cap was refused)";
    }

    /// <summary>The address of the cached integer a function reads first, if it begins "mov eax, [rip+rel32]" then <paramref name="next"/>.</summary>
    private static IntPtr CachedAnswer(IntPtr library, string name, byte[] next)
    {
        if (!NativeLibrary.TryGetExport(library, name, out var function)) return IntPtr.Zero;
        if (Marshal.ReadByte(function, 0) != 0x8B || Marshal.ReadByte(function, 1) != 0x05) return IntPtr.Zero;
        for (int i = 0; i < next.Length; i++)
            if (Marshal.ReadByte(function, 6 + i) != next[i]) return IntPtr.Zero;
        return function + 6 + Marshal.ReadInt32(function, 2);
    }

    /// <summary>The already loaded libtorch_cpu.so (loading TorchSharp's native libraries first), or zero.</summary>
    private static IntPtr LoadLibTorchCpu()
    {
        torch.get_num_threads(); // loads libtorch through TorchSharp
        string? path = null;
        try
        {
            path = File.ReadLines("/proc/self/maps").Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..] : "")
                .FirstOrDefault(file => file.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
        }
        catch (IOException) { }
        return path != null && NativeLibrary.TryLoad(path, out var handle) ? handle : IntPtr.Zero;
    }
}
