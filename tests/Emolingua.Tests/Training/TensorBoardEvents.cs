using System.Buffers.Binary;
using Google.Protobuf;

namespace Emolingua.Tests.Training;

/// <summary>One TensorBoard event: wall time (Unix seconds), step, file version (first event only) and scalar
/// values.</summary>
public sealed record TensorBoardEvent(
    double WallTime,
    long Step,
    string? FileVersion,
    IReadOnlyList<(string Tag, float Value)> Scalars
);

/// <summary>
/// An event-file reader written from the formats' specifications, independent of the writer: TFRecord framing
/// (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the data; all little-endian) and the
/// tensorflow.Event / Summary protobuf messages decoded field by field with Google.Protobuf's CodedInputStream.
/// </summary>
public static class TensorBoardEvents
{
    public static List<TensorBoardEvent> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<TensorBoardEvent>();
        var pos = 0;
        while (pos < bytes.Length)
        {
            Assert.True(bytes.Length - pos >= 12, $"{path}: truncated record header at byte {pos}");
            var lengthBytes = bytes.AsSpan(pos, 8);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            Assert.Equal(MaskedCrc32C(lengthBytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8, 4)));
            pos += 12;
            Assert.True((ulong)(bytes.Length - pos) >= length + 4, $"{path}: truncated record at byte {pos}");
            var data = bytes.AsSpan(pos, (int)length);
            Assert.Equal(
                MaskedCrc32C(data),
                BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + (int)length, 4))
            );
            events.Add(ParseEvent(data.ToArray()));
            pos += (int)length + 4;
        }
        return events;
    }

    // tensorflow/core/util/event.proto: wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary =
    // 5.
    private static TensorBoardEvent ParseEvent(byte[] data)
    {
        var input = new CodedInputStream(data);
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        var scalars = new List<(string, float)>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    wallTime = input.ReadDouble();
                    break;
                case 2:
                    step = input.ReadInt64();
                    break;
                case 3:
                    fileVersion = input.ReadString();
                    break;
                case 5:
                    scalars.AddRange(ParseSummary(input.ReadBytes().ToByteArray()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new TensorBoardEvent(wallTime, step, fileVersion, scalars);
    }

    // tensorflow/core/framework/summary.proto: Summary.value = 1 (repeated Value); Value.tag = 1, simple_value = 2
    // (float).
    private static IEnumerable<(string, float)> ParseSummary(byte[] data)
    {
        var input = new CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1)
            {
                input.SkipLastField();
                continue;
            }
            var value = new CodedInputStream(input.ReadBytes().ToByteArray());
            var name = "";
            float? simple = null;
            uint field;
            while ((field = value.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(field))
                {
                    case 1:
                        name = value.ReadString();
                        break;
                    case 2:
                        simple = value.ReadFloat();
                        break;
                    default:
                        value.SkipLastField();
                        break;
                }
            }
            Assert.True(simple.HasValue, $"summary value '{name}' is not a simple scalar");
            yield return (name, simple!.Value);
        }
    }

    /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right by 15 bits, add 0xa282ead8.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8);
    }
}
