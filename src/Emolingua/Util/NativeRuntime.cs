using System.Runtime.InteropServices;

namespace Emolingua.Util;

/// <summary>
/// Process-wide settings of the native libraries under TorchSharp. <see cref="PrepareEnvironment"/> must run before
/// libtorch is loaded (the CLI calls it first thing); <see cref="Configure"/> before the first matrix product (the
/// encoder, the log-mel front end and the benchmarks call it; later calls cost nothing).
/// </summary>
public static class NativeRuntime
{
    /// <summary>
    /// libtorch's OpenMP threads wait for work by spinning (libgomp's default: 300 000 polls) before they sleep. On a
    /// machine whose cores are busy with other processes a spinning thread takes the core from the thread it waits
    /// for: the demo's training ran 4× slower that way (measured, README "Measured"). OMP_WAIT_POLICY=PASSIVE makes
    /// them sleep at once. libgomp reads the variable when it is loaded, so it goes into the native environment
    /// (setenv) before TorchSharp loads libtorch; a value the user set is kept. Returns what was done.
    /// </summary>
    public static string PrepareEnvironment()
    {
        if (!OperatingSystem.IsLinux()) return "unchanged: not Linux";
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { } set) return $"unchanged: OMP_WAIT_POLICY={set}";
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { } spin) return $"unchanged: GOMP_SPINCOUNT={spin}";
        if (IsLoaded("libgomp")) return "unchanged: OpenMP already loaded";
        return SetEnv("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0) == 0 ? "PASSIVE" : "unchanged: setenv failed";
    }

    public static void Configure()
    {
        MallocTuning.Apply();
        MklCodePath.Ensure();
    }

    /// <summary>What was applied, for benchmark reports.</summary>
    public static (string Mkl, string Malloc, string? OmpWaitPolicy) Describe() =>
        (MklCodePath.Ensure(), MallocTuning.Apply(), Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? GetEnvNative("OMP_WAIT_POLICY"));

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc.so.6", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    private static string? GetEnvNative(string name) =>
        OperatingSystem.IsLinux() && GetEnv(name) is var p && p != IntPtr.Zero ? Marshal.PtrToStringAnsi(p) : null;

    private static bool IsLoaded(string library)
    {
        try { return File.ReadLines("/proc/self/maps").Any(line => line.Contains(library, StringComparison.Ordinal)); }
        catch (IOException) { return false; }
    }
}
