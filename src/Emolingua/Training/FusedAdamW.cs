using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Training;

/// <summary>The per-step numbers of an AdamW update (bias corrections folded in).</summary>
internal readonly record struct AdamWCoefficients(
    double Decay,
    double Beta1,
    double Beta2,
    double Correction2,
    double Epsilon,
    double StepSize
);

/// <summary>
/// AdamW's element-wise update in one pass: read p, g, m, v once, write p, m, v once (28 bytes per fp32 parameter).
/// The same update as libtorch tensor operations (decay, two moment updates, sqrt, divide, add, addcdiv) makes seven
/// passes and a temporary, about 90 bytes per parameter; the update is memory-bound, so on whisper-small (85 M
/// trainable parameters) that is a few percent of a training step. libtorch has a fused AdamW kernel
/// (<c>_fused_adamw_</c>) but TorchSharp 0.107 does not expose it, hence this loop. Each element's arithmetic is the
/// tensor operations' (same order, no fused multiply-add), so results do not depend on threads or vector width.
/// </summary>
internal static class FusedAdamW
{
    /// <summary>Elements per work item: four arrays of 64 Ki floats stay in a core's L2 cache.</summary>
    private const int ChunkElements = 1 << 16;

    /// <summary>One parameter's memory: contiguous CPU tensors of one dtype (fp32 or fp64).</summary>
    internal readonly record struct Slot(ScalarType Type, IntPtr P, IntPtr G, IntPtr M, IntPtr V, long Count)
    {
        /// <summary>The slot for these tensors, or null when the fused loop cannot take them.</summary>
        public static Slot? Of(Tensor p, Tensor g, Tensor m, Tensor v)
        {
            var type = p.dtype;
            if (type != ScalarType.Float32 && type != ScalarType.Float64)
                return null;
            foreach (var t in new[] { p, g, m, v })
            {
                if (t.device_type != DeviceType.CPU || t.dtype != type || !t.is_contiguous() || t.numel() != p.numel())
                    return null;
            }

            return new Slot(type, Address(p), Address(g), Address(m), Address(v), p.numel());
        }

        /// <summary>The address of a contiguous CPU tensor's first element (its storage plus its offset).</summary>
        private static IntPtr Address(Tensor t)
        {
            var size = t.dtype == ScalarType.Float32 ? sizeof(float) : sizeof(double);
            var storage = t.dtype == ScalarType.Float32 ? (Storage)t.storage<float>() : t.storage<double>();
            return storage.data_ptr() + (nint)(t.storage_offset() * size);
        }
    }

    /// <summary>Updates every slot in place, chunks spread over the thread pool.</summary>
    public static void Update(IReadOnlyList<Slot> slots, AdamWCoefficients c)
    {
        var work = new List<(int Slot, long Start, int Length)>();
        for (var i = 0; i < slots.Count; i++)
        {
            for (long start = 0; start < slots[i].Count; start += ChunkElements)
                work.Add((i, start, (int)Math.Min(ChunkElements, slots[i].Count - start)));
        }
        Parallel.For(0, work.Count, k =>
        {
            var (i, start, length) = work[k];
            var s = slots[i];
            if (s.Type == ScalarType.Float32)
                Chunk<float>(s, start, length, c);
            else
                Chunk<double>(s, start, length, c);
        });
    }

    private static unsafe void Chunk<T>(Slot s, long start, int length, AdamWCoefficients c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = new Span<T>((T*)s.P + start, length);
        var g = new ReadOnlySpan<T>((T*)s.G + start, length);
        var m = new Span<T>((T*)s.M + start, length);
        var v = new Span<T>((T*)s.V + start, length);
        Apply(p, g, m, v, c);
    }

    /// <summary>
    /// p ← p·decay; m ← m·β1 + (1−β1)·g; v ← v·β2 + (1−β2)·g·g; p ← p + stepSize·m / (√v / c2 + ε), element by
    /// element: whole vectors in place, then the tail (fewer elements than a vector) through a zero-padded vector, so
    /// the formula is written once. Padding is harmless: g = m = v = 0 gives p·decay, no division by zero.
    /// </summary>
    internal static void Apply<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, AdamWCoefficients c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var whole = p.Length / Vector<T>.Count * Vector<T>.Count;
        Vectors(p[..whole], g[..whole], m[..whole], v[..whole], c);
        var tail = p.Length - whole;
        if (tail == 0)
            return;
        Span<T> padded = stackalloc T[4 * Vector<T>.Count]; // p, g, m, v: one vector each
        padded.Clear();
        var n = Vector<T>.Count;
        Span<T> pp = padded[..n],
            pg = padded.Slice(n, n),
            pm = padded.Slice(2 * n, n),
            pv = padded[(3 * n)..];
        p[whole..].CopyTo(pp);
        g[whole..].CopyTo(pg);
        m[whole..].CopyTo(pm);
        v[whole..].CopyTo(pv);
        Vectors(pp, pg, pm, pv, c);
        pp[..tail].CopyTo(p[whole..]);
        pm[..tail].CopyTo(m[whole..]);
        pv[..tail].CopyTo(v[whole..]);
    }

    /// <summary>The update on spans whose length is a multiple of the vector width.</summary>
    private static void Vectors<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, AdamWCoefficients c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> decay = new(T.CreateChecked(c.Decay)),
            beta1 = new(T.CreateChecked(c.Beta1)),
            oneMinusBeta1 = new(T.CreateChecked(1 - c.Beta1)),
            beta2 = new(T.CreateChecked(c.Beta2)),
            oneMinusBeta2 = new(T.CreateChecked(1 - c.Beta2)),
            correction2 = new(T.CreateChecked(c.Correction2)),
            epsilon = new(T.CreateChecked(c.Epsilon)),
            stepSize = new(T.CreateChecked(c.StepSize));
        var vp = MemoryMarshal.Cast<T, Vector<T>>(p);
        var vg = MemoryMarshal.Cast<T, Vector<T>>(g);
        var vm = MemoryMarshal.Cast<T, Vector<T>>(m);
        var vv = MemoryMarshal.Cast<T, Vector<T>>(v);
        for (var i = 0; i < vp.Length; i++)
        {
            var gi = vg[i];
            var mi = vm[i] * beta1 + gi * oneMinusBeta1;
            var vi = vv[i] * beta2 + gi * oneMinusBeta2 * gi;
            vm[i] = mi;
            vv[i] = vi;
            vp[i] = vp[i] * decay + mi * stepSize / (Vector.SquareRoot(vi) / correction2 + epsilon);
        }
    }
}
