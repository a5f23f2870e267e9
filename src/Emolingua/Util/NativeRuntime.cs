namespace Emolingua.Util;

/// <summary>
/// Process-wide settings of the native libraries under TorchSharp, applied once before the first matrix product:
/// MKL's AVX2 path on AMD (<see cref="MklCodePath"/>) and a heap that keeps freed tensor memory (<see cref="MallocTuning"/>).
/// The encoder, the log-mel front end and the benchmarks call <see cref="Configure"/>; later calls cost nothing.
/// </summary>
public static class NativeRuntime
{
    public static void Configure()
    {
        MallocTuning.Apply();
        MklCodePath.Ensure();
    }

    /// <summary>What was applied, for benchmark reports.</summary>
    public static (string Mkl, string Malloc) Describe() => (MklCodePath.Ensure(), MallocTuning.Apply());
}
