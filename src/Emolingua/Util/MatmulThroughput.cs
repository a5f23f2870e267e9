using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Util;

/// <summary>
/// The machine's measured FP32 matrix-product rate through libtorch (<c>torch.mm</c>, the kernel every Linear layer
/// ends in): the ceiling against which the encoder benchmarks report the fraction they reach.
/// </summary>
public static class MatmulThroughput
{
    /// <summary>[M×K]·[K×N]; 2·M·K·N floating-point operations (one multiply and one add per term).</summary>
    public sealed record Shape(long M, long K, long N)
    {
        public double Flops => 2.0 * M * K * N;

        public override string ToString() => $"{M}x{K}x{N}";
    }

    /// <summary>whisper-small's fc1 for a batch of 8 × 4 s windows: [8·200 × 768]·[768 × 3072].</summary>
    public static Shape Default { get; } = new(1600, 768, 3072);

    /// <summary>Shapes tried for the peak: the encoder's own products (fc1, fc2, a projection) and two large
    /// squares.</summary>
    public static IReadOnlyList<Shape> PeakShapes { get; } =
        new[]
        {
            Default,
            new Shape(1600, 3072, 768),
            new Shape(1600, 768, 768),
            new Shape(2048, 2048, 2048),
            new Shape(4096, 4096, 4096),
        };

    public sealed record Result(Shape Shape, StepTimer.Timing Timing)
    {
        /// <summary>GFLOP/s at the median time.</summary>
        public double GFlops => Shape.Flops / (Timing.MedianMs * 1e6);

        /// <summary>GFLOP/s at the fastest time.</summary>
        public double BestGFlops => Shape.Flops / (Timing.MinMs * 1e6);
    }

    /// <summary>Times <c>mm(a, b)</c> on random matrices of <paramref name="shape"/> (FP32 unless
    /// <paramref name="dtype"/>; a fresh output each time, as in a model).</summary>
    public static Result Measure(Shape shape, int iterations, int warmup = 1, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(shape.M, shape.K).to(dtype); // [M, K]
        var b = randn(shape.K, shape.N).to(dtype); // [K, N]
        var timing = StepTimer.Time(
            () =>
            {
                using var step = NewDisposeScope();
                mm(a, b); // [M, N]
            },
            iterations,
            warmup
        );
        return new Result(shape, timing);
    }

    /// <summary>The best median rate over <see cref="PeakShapes"/>.</summary>
    public static Result Peak(int iterations) =>
        PeakShapes.Select(s => Measure(s, IterationsFor(s, iterations))).MaxBy(r => r.GFlops)!;

    // The 4096³ product is 40× the default's work: fewer iterations keep the peak search short.
    private static int IterationsFor(Shape s, int iterations) =>
        Math.Max(1, (int)Math.Min(iterations, iterations * Default.Flops * 4 / s.Flops));
}
