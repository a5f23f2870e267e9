using System.Text;
using System.Text.RegularExpressions;

namespace Emolingua.Util;

/// <summary>NumPy .npy files (format 1.0/2.0/3.0), float32 and float64 little-endian, C order.</summary>
public static partial class Npy
{
    public sealed record Array(float[] Data, long[] Shape);

    public static void WriteFloat32(string path, ReadOnlySpan<float> data, params long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"shape [{string.Join(", ", shape)}] holds {count} values, data has {data.Length}"
            );
        }

        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        var total = 10 + header.Length + 1;
        var pad = (64 - total % 64) % 64;
        header = header + new string(' ', pad) + "\n";
        var bytes = new byte[10 + header.Length + data.Length * 4];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = 1;
        bytes[7] = 0;
        BitConverter.TryWriteBytes(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).CopyTo(bytes.AsSpan(10 + header.Length));
        AtomicFile.WriteAllBytes(path, bytes);
    }

    public static Array Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new EmolinguaException(path, "not a NumPy .npy file");
        int major = bytes[6];
        int headerLength,
            offset;
        if (major == 1)
        {
            headerLength = BitConverter.ToUInt16(bytes, 8);
            offset = 10;
        }
        else
        {
            headerLength = (int)BitConverter.ToUInt32(bytes, 8);
            offset = 12;
        }
        var header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        var descr = DescrRegex().Match(header).Groups[1].Value;
        var fortran = header.Contains("'fortran_order': True");
        var shape = ShapeRegex()
            .Match(header)
            .Groups[1]
            .Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse)
            .ToArray();
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var start = offset + headerLength;
        var data = new float[count];
        switch (descr)
        {
            case "<f4":
                Buffer.BlockCopy(bytes, start, data, 0, checked((int)count * 4));
                break;
            case "<f8":
                for (long i = 0; i < count; i++)
                    data[i] = (float)BitConverter.ToDouble(bytes, start + (int)i * 8);
                break;
            default:
                throw new EmolinguaException(path, $"unsupported dtype '{descr}' (float32 or float64 expected)");
        }
        return new Array(fortran ? FortranToC(data, shape) : data, shape);
    }

    /// <summary>Reorders column-major (first index fastest) data into row-major order.</summary>
    private static float[] FortranToC(float[] data, long[] shape)
    {
        if (shape.Length < 2)
            return data;
        var result = new float[data.Length];
        var index = new long[shape.Length];
        for (long c = 0; c < data.Length; c++)
        {
            // c walks the C-order positions; compute the matching Fortran offset.
            long f = 0,
                stride = 1;
            for (var d = 0; d < shape.Length; d++)
            {
                f += index[d] * stride;
                stride *= shape[d];
            }
            result[c] = data[f];
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                    break;
                index[d] = 0;
            }
        }
        return result;
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
