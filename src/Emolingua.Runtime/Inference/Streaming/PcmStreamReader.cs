using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Emolingua.Audio;
using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>
/// Reads live audio from a stream that cannot seek (stdin, a pipe, a socket) as it arrives: raw little-endian PCM
/// (16-bit integers or 32-bit floats, interleaved channels) or a WAV stream, whose header is read first. Channels are
/// averaged and 16-bit samples scaled exactly as <see cref="WavReader"/> reads a file, so a WAV piped in gives the
/// samples predict reads from the same file. A WAV data chunk whose size is 0 or 0xFFFFFFFF (what streaming writers
/// such as ffmpeg put there) is read to the end of the stream.
/// </summary>
public sealed class PcmStreamReader
{
    private readonly Stream _stream;
    private readonly string _source;
    private readonly bool _float;
    private readonly int _channels,
        _frameBytes;
    private readonly byte[] _bytes;
    private int _pending; // bytes of an incomplete frame kept from the last read
    private long _remaining; // data bytes left to read (long.MaxValue: to the end)

    private PcmStreamReader(Stream stream, string source, bool isFloat, int sampleRate, int channels, long dataBytes)
    {
        if (sampleRate is < AudioFile.MinSampleRate or > AudioFile.MaxSampleRate)
        {
            throw new EmolinguaException(
                source,
                $"sample rate {sampleRate} Hz is outside {AudioFile.MinSampleRate}–{AudioFile.MaxSampleRate} Hz"
            );
        }

        _stream = stream;
        _source = source;
        _float = isFloat;
        SampleRate = sampleRate;
        _channels = channels;
        _frameBytes = channels * (isFloat ? 4 : 2);
        _remaining = dataBytes;
        // About 20 ms a read: small enough that a window's last samples are pushed as soon as they arrive.
        _bytes = new byte[Math.Max(_frameBytes * 2, sampleRate / 50 * _frameBytes)];
    }

    /// <summary>The stream's sample rate in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Raw mono PCM: <paramref name="format"/> "s16le" or "f32le".</summary>
    public static PcmStreamReader Raw(Stream stream, string source, string format, int sampleRate) =>
        format switch
        {
            "s16le" => new PcmStreamReader(stream, source, false, sampleRate, 1, long.MaxValue),
            "f32le" => new PcmStreamReader(stream, source, true, sampleRate, 1, long.MaxValue),
            _ => throw new EmolinguaException(source, $"unknown raw format '{format}' (s16le or f32le)"),
        };

    /// <summary>A WAV stream: RIFF header, chunks up to "data" (PCM 16-bit or float 32-bit), then the
    /// samples.</summary>
    public static PcmStreamReader Wav(Stream stream, string source)
    {
        var head = ReadExactly(stream, 12, source, "WAV header");
        if (!WavReader.HasRiffMagic(head) || !head.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new EmolinguaException(
                source,
                "not a WAV stream (no RIFF/WAVE header); for raw PCM give --format s16le|f32le and --rate"
            );
        }

        byte[]? fmt = null;
        while (true)
        {
            var chunk = ReadExactly(stream, 8, source, "WAV chunk header");
            var id = System.Text.Encoding.ASCII.GetString(chunk, 0, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
            if (id == "data")
            {
                if (fmt == null)
                    throw new EmolinguaException(source, "WAV stream has its data chunk before the fmt chunk");
                int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
                int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
                var rate = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(fmt.AsSpan(4)));
                int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));
                if (tag == 0xFFFE && fmt.Length >= 26)
                    tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(24)); // WAVE_FORMAT_EXTENSIBLE
                var isFloat = (tag, bits) switch
                {
                    (1, 16) => false,
                    (3, 32) => true,
                    _ => throw new EmolinguaException(
                        source,
                        $"WAV stream encoding (format tag {tag}, {bits}-bit) is not supported live; send 16-bit PCM or 32-bit float (ffmpeg ... -c:a pcm_s16le -f wav -)"
                    ),
                };
                if (channels is < 1 or > 512)
                    throw new EmolinguaException(source, $"WAV stream header says {channels} channels");
                var data = size is 0 or uint.MaxValue ? long.MaxValue : size;
                return new PcmStreamReader(stream, source, isFloat, rate, channels, data);
            }
            var body = ReadExactly(stream, (int)Math.Min(size + (size & 1), 1 << 20), source, $"WAV '{id}' chunk");
            if (id == "fmt ")
            {
                if (size < 16)
                    throw new EmolinguaException(source, "WAV fmt chunk too short");
                fmt = body;
            }
        }
    }

    private static byte[] ReadExactly(Stream stream, int count, string source, string what)
    {
        var buffer = new byte[count];
        if (stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false) < count)
            throw new EmolinguaException(source, $"the stream ends inside the {what}");
        return buffer;
    }

    /// <summary>
    /// Waits for audio and returns the mono samples of the whole frames that arrived (at least one), or an empty span
    /// at the end of the stream. The span is valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Read(ref float[] mono)
    {
        while (true)
        {
            var want = (int)Math.Min(_bytes.Length - _pending, _remaining);
            var got = want > 0 ? _stream.Read(_bytes, _pending, want) : 0;
            _remaining -= got;
            if (got == 0)
            {
                if (_pending != 0)
                {
                    throw new EmolinguaException(
                        _source,
                        $"the stream ends inside a sample frame ({_pending} of {_frameBytes} bytes)"
                    );
                }

                return [];
            }
            var available = _pending + got;
            var frames = available / _frameBytes;
            if (frames == 0)
            {
                _pending = available;
                continue;
            }
            if (mono.Length < frames)
                mono = new float[Math.Max(frames, _bytes.Length / _frameBytes)];
            Convert(_bytes.AsSpan(0, frames * _frameBytes), mono.AsSpan(0, frames));
            _pending = available - frames * _frameBytes;
            _bytes.AsSpan(frames * _frameBytes, _pending).CopyTo(_bytes);
            return mono.AsSpan(0, frames);
        }
    }

    /// <summary>As <see cref="WavReader"/> converts: the channels summed, then scaled (int16: by 1/32768, times
    /// 1/channels).</summary>
    private void Convert(ReadOnlySpan<byte> data, Span<float> mono)
    {
        if (_float)
        {
            var pcm = MemoryMarshal.Cast<byte, float>(data);
            var scale = 1f / _channels;
            for (int f = 0, i = 0; f < mono.Length; f++)
            {
                float sum = 0;
                for (var c = 0; c < _channels; c++)
                    sum += pcm[i++];
                mono[f] = _channels == 1 ? sum : sum * scale;
            }
        }
        else
        {
            var pcm = MemoryMarshal.Cast<byte, short>(data);
            var gain = 1f / _channels / 32768f;
            for (int f = 0, i = 0; f < mono.Length; f++)
            {
                var sum = 0;
                for (var c = 0; c < _channels; c++)
                    sum += pcm[i++];
                mono[f] = _channels == 1 ? sum / 32768f : sum * gain;
            }
        }
    }
}
