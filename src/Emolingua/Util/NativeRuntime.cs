namespace Emolingua.Util;

/// <summary>
/// Process-wide settings of the native libraries under TorchSharp: glibc's heap trimming (<see cref="MallocTuning"/>)
/// and MKL's code path on AMD CPUs (<see cref="MklCodePath"/>). <see cref="Configure"/> is called once where a process
/// starts, before its first tensor operation: the CLI's Main (for every command that loads libtorch) and the test
/// assembly's module initializer; an application using the library calls it first thing in its Main.
/// <para>
/// Building a model or a log-mel front end does not call it: a process-wide change to the C heap and to MKL's code
/// should not be the side effect of constructing an object. An application that never calls it still works, with
/// results that differ only in floating-point rounding (MKL's generic kernels instead of its AVX2/AVX-512 ones) and is
/// slower on AMD CPUs (13–20 % of each matrix product, 4–6 % of a training step, README "Measured"); so the library
/// neither throws nor configures behind the application's back. A call after MKL's first product leaves MKL's path as
/// it was and says so in <see cref="Describe"/>.
/// </para>
/// </summary>
public static class NativeRuntime
{
    // OpenMP's wait policy is left to libgomp (spin a while, then sleep) or the user's OMP_WAIT_POLICY. Forcing
    // PASSIVE (threads sleep at once) helped only on a machine whose cores other processes kept busy; on a quiet
    // 2-core machine it made the demo's training 1.23× slower (README "Measured").

    /// <summary>
    /// Applies both settings (once per process; later calls cost nothing). Call it before the first tensor operation.
    /// <c>EMOLINGUA_MALLOC_TUNING=0</c> and <c>EMOLINGUA_MKL_AVX2_ON_AMD=0</c> leave the heap and MKL's path as they
    /// are.
    /// </summary>
    public static void Configure()
    {
        MallocTuning.Apply();
        MklCodePath.Ensure();
    }

    /// <summary>What was applied, for benchmark reports.</summary>
    public static (string Mkl, string Malloc, string? OmpWaitPolicy) Describe() =>
        (
            MklCodePath.Ensure(),
            MallocTuning.Apply(),
            Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "default"
        );
}
