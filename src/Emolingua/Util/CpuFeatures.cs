namespace Emolingua.Util;

/// <summary>
/// The CPU's instruction-set flags as Linux reports them (the first "flags" line of /proc/cpuinfo): which number
/// formats this machine computes natively. Read once per process.
/// </summary>
public sealed class CpuFeatures
{
    private static readonly Lazy<CpuFeatures> Current = new(() => FromCpuInfo(ReadCpuInfo()));

    public IReadOnlySet<string> Flags { get; }

    /// <summary>The "vendor_id" line: GenuineIntel, AuthenticAMD, ... (empty when unknown).</summary>
    public string Vendor { get; }

    public CpuFeatures(IEnumerable<string> flags, string vendor = "")
    {
        Flags = flags.ToHashSet(StringComparer.Ordinal);
        Vendor = vendor;
    }

    /// <summary>This machine's flags (empty where /proc/cpuinfo cannot be read, e.g. not Linux).</summary>
    public static CpuFeatures Machine => Current.Value;

    /// <summary>bfloat16 matrix products in hardware: AVX512_BF16 (VDPBF16PS) or AMX-BF16 tiles.</summary>
    public bool HasNativeBf16 => Flags.Contains("avx512_bf16") || Flags.Contains("amx_bf16");

    /// <summary>The widest vector extension present, for reports: avx512f, avx2, avx or none.</summary>
    public string VectorExtension =>
        Flags.Contains("avx512f") ? "avx512f" : Flags.Contains("avx2") ? "avx2" : Flags.Contains("avx") ? "avx" : "none";

    /// <summary>AVX2 with FMA: what the 256-bit matrix-product kernels of MKL and OpenBLAS need.</summary>
    public bool HasAvx2Fma => Flags.Contains("avx2") && Flags.Contains("fma");

    /// <summary>Parses the text of /proc/cpuinfo; every core repeats the same lines, so the first of each is enough.</summary>
    public static CpuFeatures FromCpuInfo(string cpuinfo)
    {
        string[]? flags = null;
        string? vendor = null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "flags" && flags == null) flags = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            else if (key == "vendor_id" && vendor == null) vendor = value;
            if (flags != null && vendor != null) break;
        }
        return new CpuFeatures(flags ?? Array.Empty<string>(), vendor ?? "");
    }

    private static string ReadCpuInfo()
    {
        try { return File.ReadAllText("/proc/cpuinfo"); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
