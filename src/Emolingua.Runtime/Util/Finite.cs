using System.Numerics;

namespace Emolingua.Util;

/// <summary>Finds NaN and ±infinity, which no output of Emolingua may hold (JSON cannot even store them).</summary>
public static class Finite
{
    /// <summary>Index of the first NaN or infinite value, or -1 when every value is finite.</summary>
    public static long FirstNonFinite(ReadOnlySpan<float> values)
    {
        // x - x is 0 for every finite x and NaN for NaN and ±infinity: one vector compare per block.
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(values);
            for (var v = 0; v < vectors.Length; v++)
            {
                var x = vectors[v];
                if (!Vector.EqualsAll(x - x, Vector<float>.Zero))
                {
                    i = v * Vector<float>.Count;
                    break;
                }
                i = (v + 1) * Vector<float>.Count;
            }
        }
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                return i;
        }

        return -1;
    }

    /// <summary>"NaN", "+infinity" or "-infinity".</summary>
    public static string Name(double value) =>
        double.IsNaN(value) ? "NaN"
        : value > 0 ? "+infinity"
        : "-infinity";

    /// <summary>Throws <see cref="EmolinguaException"/> naming <paramref name="source"/> when a value is NaN or
    /// infinite.</summary>
    /// <param name="what">What the values are, e.g. "sample" or "log-mel value"; the message gives its index.</param>
    /// <param name="values">The values to check.</param>
    /// <param name="source">The file or option the values come from.</param>
    /// <param name="hint">Appended to the message: what to do about it.</param>
    public static void Require(ReadOnlySpan<float> values, string source, string what, string? hint = null)
    {
        var at = FirstNonFinite(values);
        if (at >= 0)
        {
            throw new EmolinguaException(
                source,
                $"{what} {at} is {Name(values[(int)at])}{(hint != null ? "; " + hint : "")}"
            );
        }
    }
}
