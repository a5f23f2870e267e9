using System.Buffers.Binary;
using System.Text;
using Emolingua.Util;

namespace Emolingua.Audio;

/// <summary>
/// RIFF/WAVE (and RF64/BW64) reader. Tolerates what real-world writers leave behind: wrong or zero RIFF sizes,
/// unknown and odd-sized chunks, a data chunk that is not last, a trailing partial frame, and the "unknown" data sizes
/// of streaming writers (0 or 0xFFFFFFFF). A data size that runs past the end of the file is a truncated file: an
/// error.
/// </summary>
internal static partial class WavReader
{
    private const int FormatPcm = 0x0001,
        FormatFloat = 0x0003,
        FormatExtensible = 0xFFFE;
    private const uint StreamingSize = 0xFFFFFFFF;

    /// <summary>ffmpeg's sanity limit (FF_SANE_NB_CHANNELS); more is a header that lies.</summary>
    internal const int MaxChannels = 512;

    // The 14 bytes that follow the 2-byte format code in every KSDATAFORMAT_SUBTYPE_* GUID.
    private static readonly byte[] SubFormatGuidTail =
    [
        0x00,
        0x00,
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

    internal enum SampleEncoding
    {
        Unsigned8,
        Int16,
        Int24,
        Int32,
        Float32,
        Float64,
    }

    internal sealed record Layout(
        SampleEncoding Encoding,
        int Channels,
        int SampleRate,
        int BlockAlign,
        long DataOffset,
        long FrameCount
    );

    public static bool HasRiffMagic(ReadOnlySpan<byte> head) => head.Length >= 4 && IsRiffId(head[..4]);

    private static bool IsRiffId(ReadOnlySpan<byte> id) =>
        id.SequenceEqual("RIFF"u8) || id.SequenceEqual("RF64"u8) || id.SequenceEqual("BW64"u8);

    /// <summary>Format, rate, channels and length from the chunk headers: a few hundred bytes read, with
    /// seeks.</summary>
    public static AudioInfo Probe(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 512);
        var layout = ParseHeader(path, stream);
        return new AudioInfo(
            "wav",
            layout.SampleRate,
            layout.Channels,
            layout.FrameCount,
            layout.FrameCount / (double)layout.SampleRate
        );
    }

    public static Waveform Read(string path)
    {
        using var stream = OpenRead(path);
        return Read(path, stream);
    }

    /// <param name="path">Names the source in error messages.</param>
    /// <param name="decoder">The tool that wrote the stream (ffmpeg), for the message when its data falls short of its
    /// header.</param>
    /// <param name="stream">The WAV bytes, read to their end.</param>
    /// <param name="dataRunsToEnd">The writer could not seek back to fill in the sizes (espeak-ng --stdout leaves
    /// 0x7FFFF000): the data chunk holds everything after its header.</param>
    public static Waveform Read(string path, Stream stream, string? decoder = null, bool dataRunsToEnd = false)
    {
        var layout = ParseHeader(path, stream, decoder, dataRunsToEnd);
        if (layout.FrameCount > Array.MaxLength)
            throw new EmolinguaException(path, $"too long to load at once ({layout.FrameCount} samples per channel)");
        var mono = new float[layout.FrameCount];
        stream.Position = layout.DataOffset;

        const int framesPerBlock = 16384;
        var buffer = new byte[framesPerBlock * layout.BlockAlign];
        long done = 0;
        while (done < layout.FrameCount)
        {
            var frames = (int)Math.Min(framesPerBlock, layout.FrameCount - done);
            var want = frames * layout.BlockAlign;
            var got = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            frames = got / layout.BlockAlign;
            if (frames == 0)
                break;
            ConvertToMono(buffer.AsSpan(0, frames * layout.BlockAlign), layout, mono.AsSpan((int)done, frames));
            done += frames;
        }
        // The file shrank between the header walk and the read: return what arrived.
        if (done < mono.Length)
            Array.Resize(ref mono, (int)done);
        return new Waveform(mono, layout.SampleRate);
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);

    internal static Layout ParseHeader(string path, Stream stream, string? decoder = null, bool dataRunsToEnd = false)
    {
        var fileLength = stream.Length;
        Span<byte> head = stackalloc byte[12];
        var headLength = stream.ReadAtLeast(head, 12, throwOnEndOfStream: false);
        var riffStart = headLength >= 4 ? IsRiffId(head[..4]) : "RIFF"u8.StartsWith(head[..headLength]);
        if (!riffStart)
            throw new EmolinguaException(path, "not a RIFF/WAVE file (no 'RIFF' at the start)");
        if (headLength < 12)
            throw new EmolinguaException(path, $"truncated WAV header ({fileLength} bytes)");
        if (!head.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new EmolinguaException(
                path,
                $"not a RIFF/WAVE file (RIFF form type '{Printable(head.Slice(8, 4))}')"
            );
        }

        var isRf64 = !head[..4].SequenceEqual("RIFF"u8);
        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(head.Slice(4, 4));

        byte[]? fmt = null;
        long dataOffset = -1,
            dataBytes = 0,
            ds64DataSize = -1;
        long position = 12;
        Span<byte> chunkHeader = stackalloc byte[8];
        Span<byte> ds64 = stackalloc byte[16];
        while (position + 8 <= fileLength)
        {
            stream.Position = position;
            stream.ReadExactly(chunkHeader);
            var id = chunkHeader[..4];
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            var body = position + 8;
            if (!IsPlausibleChunkId(id))
                break; // garbage after the last chunk (or a broken writer): stop walking

            if (id.SequenceEqual("fmt "u8))
            {
                if (fmt != null)
                {
                    position = NextChunk(stream, body, size, fileLength);
                    continue;
                } // first one wins
                if (size < 16)
                    throw new EmolinguaException(path, $"fmt chunk too short ({size} bytes, at least 16 expected)");
                fmt = new byte[(int)Math.Min(size, 64)];
                if (stream.ReadAtLeast(fmt, fmt.Length, throwOnEndOfStream: false) < fmt.Length)
                    throw new EmolinguaException(path, "truncated WAV header (fmt chunk cut off)");
            }
            else if (id.SequenceEqual("ds64"u8) && size >= 16)
            {
                if (stream.ReadAtLeast(ds64, 16, throwOnEndOfStream: false) == 16)
                    ds64DataSize = BinaryPrimitives.ReadInt64LittleEndian(ds64[8..]);
            }
            else if (id.SequenceEqual("data"u8) && dataOffset < 0)
            {
                dataOffset = body;
                var available = fileLength - body;
                var sizeUnknown =
                    dataRunsToEnd
                    || size == StreamingSize
                    || (size == 0 && (riffSize == 0 || riffSize == StreamingSize) && available > 0);
                var declared = isRf64 && size == StreamingSize && ds64DataSize >= 0 ? ds64DataSize : size;
                if (isRf64 && size == StreamingSize && ds64DataSize >= 0)
                    sizeUnknown = false;
                if (!sizeUnknown && declared > available)
                {
                    throw new EmolinguaException(
                        path,
                        decoder == null
                            ? $"truncated WAV: the data chunk declares {declared} bytes, the file holds {available}"
                            : $"truncated: {decoder} decoded {available} of the {declared} bytes of audio its header announces"
                    );
                }

                dataBytes = sizeUnknown ? available : declared;
                // A data size we cannot trust (or that runs to the end) leaves nothing to walk after it.
                if (sizeUnknown || size >= available)
                    break;
                if (fmt != null)
                    break;
            }
            position = NextChunk(stream, body, size, fileLength);
        }

        if (fmt == null)
            throw new EmolinguaException(path, "no fmt chunk (not a valid WAV file)");
        if (dataOffset < 0)
            throw new EmolinguaException(path, "no data chunk (not a valid WAV file)");
        return ParseFormat(path, fmt, dataOffset, dataBytes);
    }

    // Chunks are word-aligned: an odd-sized chunk is followed by a pad byte. Some writers forget it,
    // so when the aligned position holds no chunk id but the unaligned one does, trust the writer.
    private static long NextChunk(Stream stream, long body, uint size, long fileLength)
    {
        var next = body + size;
        if ((size & 1) == 0)
            return next;
        if (next + 1 + 4 <= fileLength && next + 4 <= fileLength)
        {
            Span<byte> probe = stackalloc byte[5];
            stream.Position = next;
            if (
                stream.ReadAtLeast(probe, 5, throwOnEndOfStream: false) == 5
                && !IsPlausibleChunkId(probe[1..5])
                && IsPlausibleChunkId(probe[..4])
            )
            {
                return next;
            }
        }
        return next + 1;
    }

    private static bool IsPlausibleChunkId(ReadOnlySpan<byte> id)
    {
        foreach (var b in id)
        {
            if (b < 0x20 || b > 0x7E)
                return false;
        }

        return true;
    }

    private static Layout ParseFormat(string path, byte[] fmt, long dataOffset, long dataBytes)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt.AsSpan(4));
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(12));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));

        var description = $"format tag 0x{tag:X4} ({FormatTagName(tag)})";
        if (tag == FormatExtensible)
        {
            if (fmt.Length < 40)
                throw new EmolinguaException(path, "WAVE_FORMAT_EXTENSIBLE fmt chunk too short (40 bytes expected)");
            var guid = fmt.AsSpan(24, 16);
            tag = BinaryPrimitives.ReadUInt16LittleEndian(guid);
            description = $"WAVE_FORMAT_EXTENSIBLE sub-format {new Guid(guid)} ({FormatTagName(tag)})";
            if (!guid[2..].SequenceEqual(SubFormatGuidTail))
                tag = -1;
        }
        if (channels == 0)
            throw new EmolinguaException(path, "WAV header says 0 channels");
        if (channels > MaxChannels)
        {
            throw new EmolinguaException(
                path,
                $"WAV header says {channels} channels (more than {MaxChannels}: the header is wrong)"
            );
        }

        if (sampleRate == 0 || sampleRate > int.MaxValue) // the range itself is AudioFile's check, with the same words
        {
            throw new EmolinguaException(
                path,
                $"sample rate {sampleRate} Hz is outside {AudioFile.MinSampleRate}–{AudioFile.MaxSampleRate} Hz (the header is wrong, or this is not speech audio)"
            );
        }

        // The container width comes from the block alignment when it is consistent, else from the bit depth.
        var width = blockAlign > 0 && blockAlign % channels == 0 ? blockAlign / channels : (bits + 7) / 8;
        SampleEncoding? encoding = (tag, width) switch
        {
            (FormatPcm, 1) => SampleEncoding.Unsigned8,
            (FormatPcm, 2) => SampleEncoding.Int16,
            (FormatPcm, 3) => SampleEncoding.Int24,
            (FormatPcm, 4) => SampleEncoding.Int32,
            (FormatFloat, 4) => SampleEncoding.Float32,
            (FormatFloat, 8) => SampleEncoding.Float64,
            _ => null,
        };
        if (encoding == null)
        {
            var what = tag is FormatPcm or FormatFloat
                ? $"{description} with {bits}-bit samples in {width}-byte containers"
                : description;
            throw new EmolinguaException(
                path,
                $"unsupported WAV encoding: {what}; supported are PCM 8/16/24/32-bit and IEEE float 32/64-bit "
                    + "(convert with: ffmpeg -i IN -c:a pcm_s16le OUT.wav)"
            );
        }
        if (bits == 0)
            throw new EmolinguaException(path, "WAV header says 0-bit samples (the header is wrong)");
        if (bits > 8 * width)
        {
            throw new EmolinguaException(
                path,
                $"WAV header says {bits}-bit samples, which do not fit its {width}-byte containers (block align {blockAlign} for {channels} channel(s))"
            );
        }

        blockAlign = width * channels;
        return new Layout(encoding.Value, channels, (int)sampleRate, blockAlign, dataOffset, dataBytes / blockAlign);
    }

    private static string FormatTagName(int tag) =>
        tag switch
        {
            0x0001 => "PCM",
            0x0002 => "Microsoft ADPCM",
            0x0003 => "IEEE float",
            0x0006 => "A-law",
            0x0007 => "mu-law",
            0x0011 => "IMA ADPCM",
            0x0022 => "TrueSpeech",
            0x0031 => "GSM 6.10",
            0x0040 => "G.721 ADPCM",
            0x0050 => "MPEG",
            0x0055 => "MPEG Layer 3",
            0x0092 => "Dolby AC-3 SPDIF",
            0x00FF => "AAC",
            0x0160 or 0x0161 or 0x0162 or 0x0163 => "Windows Media Audio",
            0x1610 => "HE-AAC",
            0x2000 => "AC-3",
            0xF1AC => "FLAC",
            0xFFFE => "extensible",
            _ => "unknown",
        };

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes)
            sb.Append(b is >= 0x20 and <= 0x7E ? (char)b : '?');
        return sb.ToString();
    }
}
