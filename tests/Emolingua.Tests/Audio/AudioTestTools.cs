using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Emolingua.Tests.Audio;

/// <summary>Runs sox/ffmpeg/espeak-ng as independent references and builds WAV bytes by hand.</summary>
internal static class AudioTestTools
{
    public static byte[] Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {stderr.Result}");
        return stdout.ToArray();
    }

    public static float[] Floats(byte[] littleEndianF32) =>
        MemoryMarshal.Cast<byte, float>(littleEndianF32.AsSpan(0, littleEndianF32.Length / 4 * 4)).ToArray();

    /// <summary>ffmpeg's own decode of <paramref name="path"/>, interleaved channels averaged in the test (not ffmpeg's
    /// -ac 1 downmix).</summary>
    public static float[] FfmpegDecodeMono(string path, int channels)
    {
        var interleaved = Floats(Run("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-"));
        var mono = new float[interleaved.Length / channels];
        for (var i = 0; i < mono.Length; i++)
        {
            double sum = 0;
            for (var c = 0; c < channels; c++)
                sum += interleaved[i * channels + c];
            mono[i] = (float)(sum / channels);
        }
        return mono;
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>Hand-built RIFF/WAVE files, chunk by chunk, so odd layouts can be produced deliberately.</summary>
    public sealed class RiffBuilder
    {
        private readonly MemoryStream _body = new();
        public uint? RiffSizeOverride { get; set; }
        public string FormType { get; set; } = "WAVE";
        public string Id { get; set; } = "RIFF";

        public RiffBuilder Chunk(string id, ReadOnlySpan<byte> data, uint? sizeOverride = null, bool pad = true)
        {
            Span<byte> header = stackalloc byte[8];
            System.Text.Encoding.ASCII.GetBytes(id).CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], sizeOverride ?? (uint)data.Length);
            _body.Write(header);
            _body.Write(data);
            if (pad && data.Length % 2 == 1)
                _body.WriteByte(0);
            return this;
        }

        public RiffBuilder Fmt(int formatTag, int channels, int sampleRate, int bitsPerSample, int? blockAlign = null)
        {
            var align = blockAlign ?? channels * ((bitsPerSample + 7) / 8);
            var fmt = new byte[16];
            BinaryPrimitives.WriteUInt16LittleEndian(fmt, (ushort)formatTag);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
            BinaryPrimitives.WriteInt32LittleEndian(fmt.AsSpan(4), sampleRate);
            BinaryPrimitives.WriteInt32LittleEndian(fmt.AsSpan(8), sampleRate * align);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)align);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)bitsPerSample);
            return Chunk("fmt ", fmt);
        }

        /// <summary>WAVE_FORMAT_EXTENSIBLE with the KSDATAFORMAT sub-format GUID for <paramref name="subFormat"/> (1 =
        /// PCM, 3 = float).</summary>
        public RiffBuilder FmtExtensible(int subFormat, int channels, int sampleRate, int containerBits, int validBits)
        {
            var align = channels * containerBits / 8;
            var fmt = new byte[40];
            BinaryPrimitives.WriteUInt16LittleEndian(fmt, 0xFFFE);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
            BinaryPrimitives.WriteInt32LittleEndian(fmt.AsSpan(4), sampleRate);
            BinaryPrimitives.WriteInt32LittleEndian(fmt.AsSpan(8), sampleRate * align);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)align);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)containerBits);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(18), (ushort)validBits);
            BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(20), channels == 2 ? 3u : 0u);
            byte[] guid =
            [
                (byte)subFormat,
                0,
                0,
                0,
                0x00,
                0x00,
                0x10,
                0x00,
                0x80,
                0x00,
                0x00,
                0xAA,
                0x00,
                0x38,
                0x9B,
                0x71,
            ];
            guid.CopyTo(fmt, 24);
            return Chunk("fmt ", fmt);
        }

        public byte[] Build()
        {
            var body = _body.ToArray();
            var result = new byte[12 + body.Length];
            System.Text.Encoding.ASCII.GetBytes(Id).CopyTo(result, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), RiffSizeOverride ?? (uint)(4 + body.Length));
            System.Text.Encoding.ASCII.GetBytes(FormType).CopyTo(result, 8);
            body.CopyTo(result, 12);
            return result;
        }
    }

    public static byte[] Int16Bytes(params short[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] FloatBytes(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] DoubleBytes(params double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Int32Bytes(params int[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Int24Bytes(params int[] values)
    {
        var bytes = new byte[values.Length * 3];
        for (var i = 0; i < values.Length; i++)
        {
            bytes[3 * i] = (byte)values[i];
            bytes[3 * i + 1] = (byte)(values[i] >> 8);
            bytes[3 * i + 2] = (byte)(values[i] >> 16);
        }
        return bytes;
    }
}
