using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Emolingua.Util;

namespace Emolingua.Models;

/// <summary>
/// A validating reader and writer for the safetensors format (spec §3.1). F32, F16 and BF16 tensors are returned as
/// float32; hostile headers (absurd length, offsets outside the buffer, overlapping or gapped ranges, sizes that
/// disagree with the shape) are rejected with an error naming the file and the tensor.
/// </summary>
public sealed class SafeTensors
{
    public const long MaxHeaderBytes = 100_000_000;

    public sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End)
    {
        public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, Entry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    private readonly long _dataStart;

    private SafeTensors(
        string path,
        Dictionary<string, Entry> entries,
        Dictionary<string, string> metadata,
        long dataStart
    )
    {
        Path = path;
        Entries = entries;
        Metadata = metadata;
        _dataStart = dataStart;
    }

    public static SafeTensors Open(string path)
    {
        if (!File.Exists(path))
            throw new EmolinguaException(path, "file not found");
        using var file = File.OpenRead(path);
        var fileLength = file.Length;
        if (fileLength < 8)
            throw new EmolinguaException(path, $"truncated safetensors file ({fileLength} bytes, no header length)");
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
        {
            throw new EmolinguaException(
                path,
                $"corrupt safetensors header: header length {headerLength} bytes exceeds {(headerLength > MaxHeaderBytes ? "the 100 MB limit" : $"the file ({fileLength} bytes)")}"
            );
        }

        var header = new byte[headerLength];
        file.ReadExactly(header);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        // JsonDocument accepts invalid UTF-8 inside strings and throws InvalidOperationException when a name is read
        // (found by fuzzing).
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new EmolinguaException(path, "corrupt safetensors header: not UTF-8 text");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, $"corrupt safetensors header: not JSON ({e.Message.Split('.')[0]})");
        }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new EmolinguaException(path, "corrupt safetensors header: not a JSON object");

        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>();
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ToString();
                }

                continue;
            }
            entries[property.Name] = ParseEntry(path, property);
        }

        // Offsets must tile the data buffer: in range, no overlap, no holes, and the last end at the buffer's end.
        if (entries.Values.MaxBy(e => e.End) is { } last && last.End > dataLength)
        {
            throw new EmolinguaException(
                path,
                $"truncated safetensors file: tensor '{last.Name}' ends at data byte {last.End}, the file holds {dataLength} bytes of data"
            );
        }

        long expectedBegin = 0;
        foreach (var e in entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < 0 || e.End < e.Begin || e.End > dataLength)
            {
                throw new EmolinguaException(
                    path,
                    $"tensor '{e.Name}': data offsets [{e.Begin}, {e.End}) outside the data buffer of {dataLength} bytes"
                );
            }

            if (e.Begin < expectedBegin)
            {
                throw new EmolinguaException(
                    path,
                    $"tensor '{e.Name}': data offsets [{e.Begin}, {e.End}) overlap the previous tensor"
                );
            }

            if (e.Begin > expectedBegin)
            {
                throw new EmolinguaException(
                    path,
                    $"tensor '{e.Name}': gap before data offset {e.Begin} (previous tensor ended at {expectedBegin})"
                );
            }

            long expectedBytes;
            try
            {
                expectedBytes = checked(e.Shape.Aggregate(1L, (a, b) => checked(a * b)) * DTypeSize(e.DType));
            }
            catch (OverflowException)
            {
                throw new EmolinguaException(
                    path,
                    $"tensor '{e.Name}': shape [{string.Join(", ", e.Shape)}] has more elements than any file holds"
                );
            }
            if (e.End - e.Begin != expectedBytes)
            {
                throw new EmolinguaException(
                    path,
                    $"tensor '{e.Name}': {e.End - e.Begin} bytes of data but shape [{string.Join(", ", e.Shape)}] of {e.DType} needs {expectedBytes}"
                );
            }

            expectedBegin = e.End;
        }
        if (expectedBegin != dataLength)
        {
            throw new EmolinguaException(
                path,
                $"corrupt safetensors file: tensors cover {expectedBegin} bytes but the data buffer has {dataLength}"
            );
        }

        return new SafeTensors(path, entries, metadata, dataStart);
    }

    private static Entry ParseEntry(string path, JsonProperty property)
    {
        try
        {
            var v = property.Value;
            var dtype = v.GetProperty("dtype").GetString() ?? "";
            DTypeSize(dtype, path, property.Name);
            var shape = v.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (shape.Any(d => d < 0))
                throw new EmolinguaException(path, $"tensor '{property.Name}': negative dimension in shape");
            var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2)
                throw new EmolinguaException(path, $"tensor '{property.Name}': data_offsets must have two values");
            return new Entry(property.Name, dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new EmolinguaException(path, $"tensor '{property.Name}': malformed header entry ({e.Message})");
        }
    }

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["BOOL"] = 1,
        ["U8"] = 1,
        ["I8"] = 1,
        ["F8_E5M2"] = 1,
        ["F8_E4M3"] = 1,
        ["I16"] = 2,
        ["U16"] = 2,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I32"] = 4,
        ["U32"] = 4,
        ["F32"] = 4,
        ["F64"] = 8,
        ["I64"] = 8,
        ["U64"] = 8,
    };

    private static int DTypeSize(string dtype) => DTypeSizes[dtype];

    private static void DTypeSize(string dtype, string path, string name)
    {
        if (!DTypeSizes.ContainsKey(dtype))
            throw new EmolinguaException(path, $"tensor '{name}': unknown dtype '{dtype}'");
    }

    /// <summary>Reads one tensor as float32 (F32 as is; F16, BF16 and F64 converted).</summary>
    public float[] ReadFloat32(string name)
    {
        if (!Entries.TryGetValue(name, out var e))
            throw new EmolinguaException(Path, $"tensor '{name}' not found");
        var bytes = new byte[e.End - e.Begin];
        using (var file = File.OpenRead(Path))
        {
            file.Position = _dataStart + e.Begin;
            file.ReadExactly(bytes);
        }
        var result = new float[e.ElementCount];
        switch (e.DType)
        {
            case "F32":
                Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
                break;
            case "F16":
                for (var i = 0; i < result.Length; i++)
                    result[i] = (float)BitConverter.ToHalf(bytes, 2 * i);
                break;
            case "BF16":
                // bfloat16 is the high half of a float32.
                for (var i = 0; i < result.Length; i++)
                    result[i] = BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(bytes, 2 * i) << 16);
                break;
            case "F64":
                for (var i = 0; i < result.Length; i++)
                    result[i] = (float)BitConverter.ToDouble(bytes, 8 * i);
                break;
            default:
                throw new EmolinguaException(
                    Path,
                    $"tensor '{name}': dtype {e.DType} is not a floating-point weight type (F32, F16, BF16 expected)"
                );
        }
        // A NaN weight makes every output NaN: refuse it here rather than print NaN probabilities later.
        Finite.Require(result, Path, $"tensor '{name}': value", "the weights are corrupt");
        return result;
    }

    /// <summary>Writes float32 tensors (sorted by name, header padded to 8 bytes) atomically.</summary>
    public static void WriteFloat32(
        string path,
        IReadOnlyDictionary<string, (float[] Data, long[] Shape)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null
    )
    {
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = metadata;
        long offset = 0;
        var ordered = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        foreach (var (name, (data, shape)) in ordered)
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            if (count != data.Length)
                throw new ArgumentException($"tensor '{name}': shape holds {count} values, data has {data.Length}");
            header[name] = new
            {
                dtype = "F32",
                shape,
                data_offsets = new[] { offset, offset + 4L * data.Length },
            };
            offset += 4L * data.Length;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var pad = (8 - json.Length % 8) % 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
            stream.Write(len);
            stream.Write(json);
            for (var i = 0; i < pad; i++)
                stream.WriteByte((byte)' ');
            foreach (var (_, (data, _)) in ordered)
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        });
    }
}
