using System.Buffers.Binary;
using Emolingua.Util;

namespace Emolingua.Audio;

/// <summary>Writes mono WAV files atomically (temp file, then rename), so a crash never leaves half a file.</summary>
public static class WavWriter
{
    /// <summary>16-bit PCM; samples are clipped to [-1, 1] and rounded to the nearest step of 1/32768.</summary>
    public static void WritePcm16(string path, ReadOnlySpan<float> samples, int sampleRate) =>
        Write(path, samples, sampleRate, formatTag: 1, bytesPerSample: 2);

    /// <summary>24-bit PCM; samples are clipped to [-1, 1] and rounded to the nearest step of 1/8388608.</summary>
    public static void WritePcm24(string path, ReadOnlySpan<float> samples, int sampleRate) =>
        Write(path, samples, sampleRate, formatTag: 1, bytesPerSample: 3);

    /// <summary>32-bit IEEE float, written as is (no clipping).</summary>
    public static void WriteFloat32(string path, ReadOnlySpan<float> samples, int sampleRate) =>
        Write(path, samples, sampleRate, formatTag: 3, bytesPerSample: 4);

    private static void Write(
        string path,
        ReadOnlySpan<float> samples,
        int sampleRate,
        int formatTag,
        int bytesPerSample
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        var dataBytes = (long)samples.Length * bytesPerSample;
        var isFloat = formatTag == 3;
        // Non-PCM formats carry a cbSize field and a fact chunk (the WAVE spec asks for both).
        var fmtSize = isFloat ? 18 : 16;
        var factSize = isFloat ? 12 : 0;
        var riffSize = 4 + (8 + fmtSize) + factSize + 8 + dataBytes + (dataBytes & 1);
        if (riffSize > uint.MaxValue)
            throw new ArgumentException($"{samples.Length} samples do not fit in a WAV file (4 GiB limit)");

        var bytes = new byte[8 + riffSize];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)riffSize);
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], fmtSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], (ushort)formatTag);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], 1); // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], sampleRate * bytesPerSample);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], (ushort)bytesPerSample);
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], (ushort)(bytesPerSample * 8));
        var pos = 20 + fmtSize; // cbSize (when present) is already zero
        if (isFloat)
        {
            "fact"u8.CopyTo(span[pos..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(pos + 4)..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(pos + 8)..], (uint)samples.Length);
            pos += 12;
        }
        "data"u8.CopyTo(span[pos..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(pos + 4)..], (uint)dataBytes);
        var data = span[(pos + 8)..];
        switch (bytesPerSample)
        {
            case 2:
                for (var i = 0; i < samples.Length; i++)
                    BinaryPrimitives.WriteInt16LittleEndian(data[(2 * i)..], (short)Quantize(samples[i], 32768));
                break;
            case 3:
                for (var i = 0; i < samples.Length; i++)
                {
                    var v = Quantize(samples[i], 8388608);
                    data[3 * i] = (byte)v;
                    data[3 * i + 1] = (byte)(v >> 8);
                    data[3 * i + 2] = (byte)(v >> 16);
                }
                break;
            default:
                for (var i = 0; i < samples.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(data[(4 * i)..], samples[i]);
                break;
        }
        AtomicFile.WriteAllBytes(path, bytes);
    }

    // Full scale maps -1 to the most negative code; +1 clips to the largest positive one. NaN becomes silence.
    private static int Quantize(float sample, int fullScale)
    {
        if (float.IsNaN(sample))
            return 0;
        var scaled = Math.Round(sample * (double)fullScale, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(scaled, -fullScale, fullScale - 1);
    }
}
