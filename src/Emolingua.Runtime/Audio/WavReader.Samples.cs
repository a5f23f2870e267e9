using System.Buffers.Binary;
using System.Text;
using Emolingua.Util;

namespace Emolingua.Audio;

/// <summary>Sample decoding: interleaved PCM or float frames to mono floats.</summary>
internal static partial class WavReader
{
    private static void ConvertToMono(ReadOnlySpan<byte> data, Layout layout, Span<float> mono)
    {
        int channels = layout.Channels,
            width = layout.BlockAlign / channels;
        var scale = 1f / channels;
        // Fast paths for the two common encodings (little-endian hosts, which is all .NET runs on here).
        if (BitConverter.IsLittleEndian && layout.Encoding is SampleEncoding.Int16 or SampleEncoding.Float32)
        {
            if (layout.Encoding == SampleEncoding.Int16)
            {
                var pcm = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(data);
                var gain = scale / 32768f;
                for (int f = 0, i = 0; f < mono.Length; f++)
                {
                    var sum = 0;
                    for (var c = 0; c < channels; c++)
                        sum += pcm[i++];
                    mono[f] = channels == 1 ? sum / 32768f : sum * gain;
                }
            }
            else
            {
                var pcm = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data);
                for (int f = 0, i = 0; f < mono.Length; f++)
                {
                    float sum = 0;
                    for (var c = 0; c < channels; c++)
                        sum += pcm[i++];
                    mono[f] = channels == 1 ? sum : sum * scale;
                }
            }
            return;
        }
        for (var f = 0; f < mono.Length; f++)
        {
            var frame = data.Slice(f * layout.BlockAlign, layout.BlockAlign);
            float sum = 0;
            for (var c = 0; c < channels; c++)
                sum += Decode(frame.Slice(c * width, width), layout.Encoding);
            mono[f] = channels == 1 ? sum : sum * scale;
        }
    }

    // Integer PCM is left-justified in its container, so dividing by the container's full scale is right
    // for any valid-bit count (e.g. 20-bit audio in 24-bit containers).
    private static float Decode(ReadOnlySpan<byte> b, SampleEncoding encoding) =>
        encoding switch
        {
            SampleEncoding.Unsigned8 => (b[0] - 128) / 128f,
            SampleEncoding.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b) / 32768f,
            SampleEncoding.Int24 => (b[0] | b[1] << 8 | (sbyte)b[2] << 16) / 8388608f,
            SampleEncoding.Int32 => (float)(BinaryPrimitives.ReadInt32LittleEndian(b) / 2147483648.0),
            SampleEncoding.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
            _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
        };
}
