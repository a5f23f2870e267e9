using System.Runtime.InteropServices;

namespace Emolingua.Util;

/// <summary>
/// libtorch allocates tensor memory with glibc's malloc. By default glibc returns the top of the heap to the kernel
/// whenever more than its trim threshold (at most 64 MiB) is free, so after each training step frees its activations
/// (about 1 GB for whisper-small, batch 8 × 4 s) the next step takes every page back through a page fault that the
/// kernel zeroes: 4–6 % of a whisper-small training step on one thread (perf: clear_page_erms, exc_page_fault).
/// <see cref="Apply"/> keeps freed memory in the process (trim threshold 2 GiB, the most mallopt takes) and fixes the
/// mmap threshold at glibc's maximum (32 MiB) so that every activation comes from the reused heap. The peak resident
/// memory does not grow: the heap is refilled, not enlarged. Nothing is changed where the user set MALLOC_*_ variables
/// or outside glibc (Linux only).
/// `serve` (a run folder on TorchSharp) keeps the same settings: measured with a whisper-tiny-shaped encoder (384 wide,
/// 4 layers, 4 s windows), RSS after one 60 s request and then a burst of 16 from 4 clients was 472 → 840 and
/// 472 → 957 MB with them, 525 → 982 and 502 → 807 MB with EMOLINGUA_MALLOC_TUNING=0 (peaks 1.0–1.06 GB either way):
/// no difference beyond run-to-run noise, since the inference threads refill the same heap each request; trimming
/// would only hand pages back to fault them in again.
/// </summary>
public static class MallocTuning
{
    private static readonly Lazy<string> Decision = new(Decide, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Applies the settings once per process; returns what was done.</summary>
    public static string Apply() => Decision.Value;

    private const int MTrimThreshold = -1,
        MMmapThreshold = -3; // malloc.h
    private const int MmapThresholdMax = 32 * 1024 * 1024; // DEFAULT_MMAP_THRESHOLD_MAX on 64-bit glibc

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    private static string Decide()
    {
        if (!OperatingSystem.IsLinux())
            return "unchanged: not Linux";
        if (
            Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") != null
            || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") != null
        )
        {
            return "unchanged: MALLOC_*_ set by the user";
        }

        if (Environment.GetEnvironmentVariable("EMOLINGUA_MALLOC_TUNING") == "0")
            return "unchanged: EMOLINGUA_MALLOC_TUNING=0";
        try
        {
            var ok = MallOpt(MMmapThreshold, MmapThresholdMax) == 1 && MallOpt(MTrimThreshold, int.MaxValue) == 1;
            return ok ? "heap kept (trim 2 GiB, mmap 32 MiB)" : "unchanged: mallopt refused";
        }
        catch (DllNotFoundException)
        {
            return "unchanged: no glibc";
        }
        catch (EntryPointNotFoundException)
        {
            return "unchanged: no mallopt";
        }
    }
}
