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

    /// <summary>The "model name" line (empty when unknown); a virtual machine may show only "AMD EPYC".</summary>
    public string ModelName { get; }

    /// <summary>"cpu family" and "model" (decimal in /proc/cpuinfo), or null: family 25 is AMD Zen 3/4, 26 Zen
    /// 5.</summary>
    public int? Family { get; }
    public int? Model { get; }

    /// <summary>The "cpu MHz" line: the nominal clock (under a hypervisor the TSC rate; boost clocks are
    /// higher).</summary>
    public double? NominalMHz { get; }

    public CpuFeatures(
        IEnumerable<string> flags,
        string vendor = "",
        string modelName = "",
        int? family = null,
        int? model = null,
        double? nominalMHz = null
    )
    {
        Flags = flags.ToHashSet(StringComparer.Ordinal);
        Vendor = vendor;
        ModelName = modelName;
        Family = family;
        Model = model;
        NominalMHz = nominalMHz;
    }

    /// <summary>This machine's flags (empty where /proc/cpuinfo cannot be read, e.g. not Linux).</summary>
    public static CpuFeatures Machine => Current.Value;

    /// <summary>bfloat16 matrix products in hardware: AVX512_BF16 (VDPBF16PS) or AMX-BF16 tiles.</summary>
    public bool HasNativeBf16 => Flags.Contains("avx512_bf16") || Flags.Contains("amx_bf16");

    /// <summary>The widest vector extension present, for reports: avx512f, avx2, avx or none.</summary>
    public string VectorExtension =>
        Flags.Contains("avx512f") ? "avx512f"
        : Flags.Contains("avx2") ? "avx2"
        : Flags.Contains("avx") ? "avx"
        : "none";

    /// <summary>AVX2 with FMA: what the 256-bit matrix-product kernels of MKL and OpenBLAS need.</summary>
    public bool HasAvx2Fma => Flags.Contains("avx2") && Flags.Contains("fma");

    /// <summary>AVX-512 F, CD, BW, DQ and VL (Skylake-SP's set): what MKL's and oneDNN's AVX-512 kernels
    /// need.</summary>
    public bool HasAvx512Core =>
        new[] { "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl" }.All(Flags.Contains);

    /// <summary>
    /// The families of instructions that decide which kernels run, for reports: "AVX2 AVX-512 VNNI BF16 AMX" as present
    /// (VNNI: avx512_vnni or avx_vnni; BF16: avx512_bf16 or amx_bf16; AMX: amx_tile), or "none".
    /// </summary>
    public string Summary
    {
        get
        {
            var parts = new List<string>();
            if (HasAvx2Fma)
                parts.Add("AVX2");
            if (HasAvx512Core)
                parts.Add("AVX-512");
            if (Flags.Contains("avx512_vnni") || Flags.Contains("avx_vnni"))
                parts.Add("VNNI");
            if (HasNativeBf16)
                parts.Add("BF16");
            if (Flags.Contains("amx_tile"))
                parts.Add("AMX");
            return parts.Count == 0 ? "none" : string.Join(' ', parts);
        }
    }

    /// <summary>
    /// FP32 fused multiply-adds one core can start per cycle, and why, from the vendor, family and flags (no
    /// instruction reports it). Two FMA pipes everywhere here; their width differs by kind of core:
    /// AMD family 25 with AVX-512 (Zen 4) runs a 512-bit FMA as two 256-bit halves ("double-pumped"), so AVX-512 gives
    /// it 2 x 8, as AVX2 does; AMD family 26 (Zen 5 desktop and server) and Intel server cores with AVX-512 have two
    /// full 512-bit FMA units, 2 x 16 (Intel parts with one 512-bit unit, some Xeon Silver and client cores, reach half
    /// of that; flags cannot tell them apart); AVX2 with FMA: 2 x 8; AVX without FMA: 8 (separate multiply and add).
    /// </summary>
    public (int Fp32FmaPerCycle, string Basis) FmaThroughput()
    {
        if (HasAvx512Core && Vendor == "AuthenticAMD" && Family == 25)
            return (16, "AMD family 25 (Zen 4): 512-bit FMA double-pumped on 2 x 256-bit pipes, 2 x 8 FP32 FMA/cycle");
        if (HasAvx512Core && Vendor == "AuthenticAMD")
            return (32, $"AMD family {Family} with AVX-512: 2 x 512-bit FMA units, 2 x 16 FP32 FMA/cycle");
        if (HasAvx512Core)
        {
            return (
                32,
                "AVX-512 server core: assumed 2 x 512-bit FMA units, 2 x 16 FP32 FMA/cycle (8 x 2 with one unit)"
            );
        }

        if (HasAvx2Fma)
            return (16, "AVX2 + FMA: 2 x 256-bit FMA pipes, 2 x 8 FP32 FMA/cycle");
        if (Flags.Contains("avx"))
            return (8, "AVX without FMA: 8 FP32 multiply-adds/cycle");
        return (4, "SSE: 4 FP32 multiply-adds/cycle");
    }

    /// <summary>Parses the text of /proc/cpuinfo; every core repeats the same lines, so the first of each is
    /// enough.</summary>
    public static CpuFeatures FromCpuInfo(string cpuinfo)
    {
        string[]? flags = null;
        string? vendor = null,
            modelName = null;
        int? family = null,
            model = null;
        double? mhz = null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                if (flags != null && line.Trim().Length == 0)
                    break; // the first processor's block has ended
                continue;
            }
            string key = line[..colon].Trim(),
                value = line[(colon + 1)..].Trim();
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            if (key == "flags" && flags == null)
            {
                flags = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
            else if (key == "vendor_id" && vendor == null)
            {
                vendor = value;
            }
            else if (key == "model name" && modelName == null)
            {
                modelName = value;
            }
            else if (key == "cpu family" && family == null && int.TryParse(value, inv, out var f))
            {
                family = f;
            }
            else if (key == "model" && model == null && int.TryParse(value, inv, out var m))
            {
                model = m;
            }
            else if (
                key == "cpu MHz"
                && mhz == null
                && double.TryParse(value, System.Globalization.NumberStyles.Float, inv, out var mz)
                && mz > 0
            )
            {
                mhz = mz;
            }
        }
        return new CpuFeatures(flags ?? Array.Empty<string>(), vendor ?? "", modelName ?? "", family, model, mhz);
    }

    private static string ReadCpuInfo()
    {
        try
        {
            return File.ReadAllText("/proc/cpuinfo");
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
