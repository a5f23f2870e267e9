namespace Emolingua.Util;

/// <summary>
/// Process-wide settings of the native libraries under TorchSharp. <see cref="Configure"/> runs before the first
/// matrix product (the encoder, the log-mel front end and the benchmarks call it; later calls cost nothing).
/// </summary>
public static class NativeRuntime
{
    // OpenMP's wait policy is left to libgomp (spin a while, then sleep) or the user's OMP_WAIT_POLICY. Forcing
    // PASSIVE (threads sleep at once) helped only on a machine whose cores other processes kept busy; on a quiet
    // 2-core machine it made the demo's training 1.23× slower (README "Measured").

    public static void Configure()
    {
        MallocTuning.Apply();
        MklCodePath.Ensure();
    }

    /// <summary>What was applied, for benchmark reports.</summary>
    public static (string Mkl, string Malloc, string? OmpWaitPolicy) Describe() =>
        (MklCodePath.Ensure(), MallocTuning.Apply(), Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "default");
}
