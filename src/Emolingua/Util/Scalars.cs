using System.Collections.Concurrent;
using TorchSharp;

namespace Emolingua.Util;

/// <summary>
/// Held TorchSharp Scalars. TorchSharp 0.107 frees a Scalar's native value in its finalizer, and a temporary made by
/// an implicit conversion (x * 0.5, clamp_min(1e-10), add_(g, alpha: a)) is unreachable while libtorch still reads
/// it, so a garbage collection triggered on another thread (the prefetcher, the progress display) can free it
/// mid-call ("Expected false to be true" in Scalar::toDouble). Constants and values from small sets come from a cache
/// that lives as long as the process (<see cref="Held(double)"/>); values that change every step are made with
/// <see cref="Hold"/> inside a <c>using</c>. ScalarLifetimeTests forbids implicit conversions in this library.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Doubles = new();
    private static readonly ConcurrentDictionary<long, Scalar> Longs = new();

    /// <summary>A floating-point constant, cached for the life of the process.</summary>
    public static Scalar Held(double value) => Doubles.GetOrAdd(value, v => v.ToScalar());

    /// <summary>An integer constant (keeps integer tensors integer), cached for the life of the process.</summary>
    public static Scalar Held(long value) => Longs.GetOrAdd(value, v => v.ToScalar());

    /// <summary>
    /// alpha = 1 for tensor additions: write <c>a.add(b, One)</c>, not <c>a + b</c>, because TorchSharp's
    /// add(Tensor) forwards add(b, 1) with an unheld temporary Scalar.
    /// </summary>
    public static Scalar One => Held(1L);

    /// <summary>A value that changes every step: dispose it (with <c>using</c>) after the operation that reads
    /// it.</summary>
    public static Scalar Hold(double value) => value.ToScalar();
}
