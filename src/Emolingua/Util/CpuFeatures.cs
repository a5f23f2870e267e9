namespace Emolingua.Util;

/// <summary>
/// The CPU's instruction-set flags as Linux reports them (the first "flags" line of /proc/cpuinfo): which number
/// formats this machine computes natively. Read once per process.
/// </summary>
public sealed class CpuFeatures
{
    private static readonly Lazy<CpuFeatures> Current = new(() => FromCpuInfo(ReadCpuInfo()));

    public IReadOnlySet<string> Flags { get; }

    public CpuFeatures(IEnumerable<string> flags) => Flags = flags.ToHashSet(StringComparer.Ordinal);

    /// <summary>This machine's flags (empty where /proc/cpuinfo cannot be read, e.g. not Linux).</summary>
    public static CpuFeatures Machine => Current.Value;

    /// <summary>bfloat16 matrix products in hardware: AVX512_BF16 (VDPBF16PS) or AMX-BF16 tiles.</summary>
    public bool HasNativeBf16 => Flags.Contains("avx512_bf16") || Flags.Contains("amx_bf16");

    /// <summary>The widest vector extension present, for reports: avx512f, avx2, avx or none.</summary>
    public string VectorExtension =>
        Flags.Contains("avx512f") ? "avx512f" : Flags.Contains("avx2") ? "avx2" : Flags.Contains("avx") ? "avx" : "none";

    /// <summary>Parses the text of /proc/cpuinfo; every core repeats the same flags, so the first line is enough.</summary>
    public static CpuFeatures FromCpuInfo(string cpuinfo)
    {
        foreach (var line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == "flags")
                return new CpuFeatures(line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return new CpuFeatures(Array.Empty<string>());
    }

    private static string ReadCpuInfo()
    {
        try { return File.ReadAllText("/proc/cpuinfo"); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
