using System.Runtime.CompilerServices;
using Emolingua.Util;

namespace Emolingua.Tests;

internal static class NativeRuntimeSetup
{
    /// <summary>
    /// Every test runs with the MKL code path and heap settings the CLI uses, whichever test touches libtorch first
    /// (MKL picks its path once per process), so the fixture tests check the numbers the commands compute.
    /// </summary>
    [ModuleInitializer]
    internal static void Configure()
    {
        NativeRuntime.Configure();
    }
}
