using System.Buffers.Binary;
using Emolingua.Util;
using NLayer;

namespace Emolingua.Audio;

/// <summary>
/// MPEG audio (MP3, also layers I/II) via NLayer's frame decoder, with our own frame parsing so that the
/// output lines up sample for sample with ffmpeg: the Xing/Info frame is not decoded, and when its LAME tag
/// carries the encoder delay and padding, the delay plus the decoder's own 529 samples are dropped at the
/// start and the padding at the end (ffmpeg's mp3 demuxer does exactly this; without such a tag it trims nothing).
/// </summary>
internal static class Mp3Reader
{
    /// <summary>Delay of the standard MPEG audio synthesis filterbank, as ffmpeg counts it (528 + 1).</summary>
    internal const int DecoderDelay = 529;

    /// <summary>How ffmpeg would trim the decoded stream: skip at the start, and the [first, last) range to
    /// discard.</summary>
    internal sealed record Trim(long StartSkip, long FirstDiscard, long LastDiscard);

    internal sealed record Mp3Stream(
        Mp3FrameHeader First,
        int FirstAudioFrame,
        List<(int Offset, Mp3FrameHeader Header)> Frames,
        Trim Trim
    );

    /// <summary>True when the data starts (after any ID3v2 tag) with a chain of two MPEG audio frames, or one that ends
    /// the data.</summary>
    public static bool LooksLikeMpegAudio(ReadOnlySpan<byte> data)
    {
        var start = SkipId3v2(data);
        return start + 4 <= data.Length && FindSync(data, start, start + 4) == start;
    }

    public static AudioInfo Probe(string path)
    {
        // The Xing/Info frame sits at the start: read the ID3v2 tag's worth plus a few frames and look there first.
        byte[] head;
        long fileLength;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            fileLength = file.Length;
            Span<byte> id3 = stackalloc byte[10];
            var got = file.ReadAtLeast(id3, 10, throwOnEndOfStream: false);
            var want = Math.Min(file.Length, SkipId3v2(id3[..got], allowPartial: true) + 16384);
            head = new byte[want];
            file.Position = 0;
            file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        var start = SkipId3v2(head);
        var sync = FindSync(head, start, head.Length);
        if (sync >= 0)
        {
            var first = Mp3FrameHeader.Parse(head.AsSpan(sync))!.Value;
            var tag = ParseVbrTag(head.AsSpan(sync, Math.Min(first.FrameLength, head.Length - sync)), first);
            if (tag is { Frames: > 0 })
            {
                if (tag.Bytes > 0 && fileLength - sync < tag.Bytes)
                {
                    throw new EmolinguaException(
                        path,
                        $"truncated MP3: its Xing/Info header announces {tag.Bytes} bytes of audio, the file holds {fileLength - sync}"
                    );
                }

                var total = (long)tag.Frames * first.SamplesPerFrame;
                var frames = Trimmed(total, MakeTrim(tag, first));
                return new AudioInfo(
                    "mp3",
                    first.SampleRate,
                    first.Channels,
                    frames,
                    frames / (double)first.SampleRate
                );
            }
        }
        // No frame count in a tag: walk the frame headers of the whole file (no decoding).
        var stream = Scan(path, File.ReadAllBytes(path));
        long samples = 0;
        for (var i = stream.FirstAudioFrame; i < stream.Frames.Count; i++)
            samples += stream.Frames[i].Header.SamplesPerFrame;
        var count = Trimmed(samples, stream.Trim);
        return new AudioInfo(
            "mp3",
            stream.First.SampleRate,
            stream.First.Channels,
            count,
            count / (double)stream.First.SampleRate
        );
    }

    /// <param name="path">The MP3 file.</param>
    /// <param name="decodeWithFfmpeg">Used for 8 kHz layer III (MPEG-2.5), which NLayer 3.0.1 decodes wrongly.</param>
    public static Waveform Read(string path, Func<string, Waveform> decodeWithFfmpeg)
    {
        var data = File.ReadAllBytes(path);
        var stream = Scan(path, data);
        // NLayer 3.0.1 gets 8 kHz layer III wrong by more than the signal itself (measured against ffmpeg; ffmpeg
        // special-cases that rate's short-block regions, NLayer does not, which is the likely cause).
        if (stream.First.Layer == MpegLayer.LayerIII && stream.First.SampleRate == 8000)
            return decodeWithFfmpeg(path);
        long decodedTotal = 0;
        for (var i = stream.FirstAudioFrame; i < stream.Frames.Count; i++)
            decodedTotal += stream.Frames[i].Header.SamplesPerFrame;
        var kept = Trimmed(decodedTotal, stream.Trim);
        if (kept > Array.MaxLength)
            throw new EmolinguaException(path, $"too long to load at once ({kept} samples)");

        var mono = new float[kept];
        var decoder = new MpegFrameDecoder { StereoMode = StereoMode.Both };
        var frameOut = new float[1152 * 2];
        if (stream.First.Layer == MpegLayer.LayerIII && stream.Frames.Count > stream.FirstAudioFrame)
        {
            NLayerShortBlockFix.Apply(
                decoder,
                new Mp3Frame(
                    data,
                    stream.Frames[stream.FirstAudioFrame].Offset,
                    stream.Frames[stream.FirstAudioFrame].Header
                ),
                frameOut
            );
        }

        long position = 0; // index in the decoded (untrimmed) stream
        var written = 0;
        var trim = stream.Trim;
        for (var i = stream.FirstAudioFrame; i < stream.Frames.Count; i++)
        {
            var (offset, header) = stream.Frames[i];
            var perChannel = header.SamplesPerFrame;
            int produced;
            try
            {
                produced = decoder.DecodeFrame(new Mp3Frame(data, offset, header), frameOut, 0);
            }
            catch (Exception e)
                when (e is InvalidDataException or EndOfStreamException or IndexOutOfRangeException or ArgumentException
                )
            {
                produced = 0; // a damaged frame: keep the timeline with silence, as ffmpeg's error concealment does
                decoder.Reset();
            }
            var frameChannels = header.Channels;
            if (produced != perChannel * frameChannels)
                Array.Clear(frameOut, 0, perChannel * frameChannels);
            for (var s = 0; s < perChannel; s++, position++)
            {
                if (position < trim.StartSkip || (position >= trim.FirstDiscard && position < trim.LastDiscard))
                    continue;
                if (written >= mono.Length)
                    break;
                mono[written++] = frameChannels == 1 ? frameOut[s] : (frameOut[2 * s] + frameOut[2 * s + 1]) * 0.5f;
            }
        }
        if (written < mono.Length)
            Array.Resize(ref mono, written);
        return new Waveform(mono, stream.First.SampleRate);
    }

    private static long Trimmed(long decoded, Trim trim)
    {
        var afterStart = Math.Max(0, decoded - trim.StartSkip);
        long discardFrom = Math.Max(trim.FirstDiscard, trim.StartSkip),
            discardTo = Math.Min(trim.LastDiscard, decoded);
        return afterStart - Math.Max(0, discardTo - discardFrom);
    }

    internal static Mp3Stream Scan(string path, byte[] data)
    {
        var start = SkipId3v2(data);
        var sync = FindSync(data, start, data.Length);
        if (sync < 0)
            throw new EmolinguaException(path, "corrupt or not an MP3 file: no MPEG audio frames found");
        var first = Mp3FrameHeader.Parse(data.AsSpan(sync))!.Value;

        var frames = new List<(int, Mp3FrameHeader)>(
            Math.Max(16, (data.Length - sync) / Math.Max(1, first.FrameLength) + 1)
        );
        var pos = sync;
        while (pos + 4 <= data.Length)
        {
            var header = Mp3FrameHeader.Parse(data.AsSpan(pos));
            if (header is { } h && h.IsCompatibleWith(first) && pos + h.FrameLength <= data.Length)
            {
                frames.Add((pos, h));
                pos += h.FrameLength;
                continue;
            }
            if (header is { } cut && cut.IsCompatibleWith(first) && pos + cut.FrameLength > data.Length)
            {
                throw new EmolinguaException(
                    path,
                    $"truncated MP3: the frame at byte {pos} needs {cut.FrameLength} bytes, the file ends after {data.Length - pos}"
                );
            }

            var next = FindSync(data, pos + 1, data.Length, first);
            if (next < 0)
                break; // trailing tags (ID3v1, APE) or garbage
            pos = next;
        }

        var tag = ParseVbrTag(data.AsSpan(frames[0].Item1, first.FrameLength), first);
        // Like ffmpeg: a Xing/Info/VBRI frame that states a frame or byte count is metadata, not audio.
        var tagFrame = tag is { Frames: > 0 } or { Bytes: > 0 };
        var trim = tagFrame ? MakeTrim(tag!, first) : new Trim(0, long.MaxValue, long.MaxValue);
        if (tagFrame && frames.Count == 1)
            throw new EmolinguaException(path, "corrupt MP3: only a Xing/Info header, no audio frames");
        if (tag is { Frames: > 0 } && frames.Count - 1 < tag.Frames)
        {
            throw new EmolinguaException(
                path,
                $"truncated MP3: its Xing/Info header announces {tag.Frames} frames, the file holds {frames.Count - 1}"
            );
        }

        return new Mp3Stream(first, tagFrame ? 1 : 0, frames, trim);
    }

    internal sealed record VbrTag(int Frames, int Bytes, int EncoderDelay, int EncoderPadding, bool HasDelays);

    private static Trim MakeTrim(VbrTag tag, Mp3FrameHeader first)
    {
        if (!tag.HasDelays)
            return new Trim(0, long.MaxValue, long.MaxValue);
        long startSkip = tag.EncoderDelay + DecoderDelay;
        if (tag.Frames <= 0)
            return new Trim(startSkip, long.MaxValue, long.MaxValue);
        var total = (long)tag.Frames * first.SamplesPerFrame;
        return new Trim(startSkip, total - tag.EncoderPadding + DecoderDelay, total);
    }

    /// <summary>Reads a Xing/Info tag (with LAME extension) or a VBRI tag from the first frame, as ffmpeg
    /// does.</summary>
    internal static VbrTag? ParseVbrTag(ReadOnlySpan<byte> frame, Mp3FrameHeader header)
    {
        // ffmpeg looks right after the side information, ignoring any CRC word.
        var offset = 4 + (header.IsMpeg1 ? (header.Channels == 2 ? 32 : 17) : (header.Channels == 2 ? 17 : 9));
        if (
            frame.Length >= offset + 8
            && (frame.Slice(offset, 4).SequenceEqual("Xing"u8) || frame.Slice(offset, 4).SequenceEqual("Info"u8))
        )
        {
            var p = offset + 4;
            var flags = BinaryPrimitives.ReadUInt32BigEndian(frame[p..]);
            p += 4;
            int frames = 0,
                bytes = 0;
            if ((flags & 1) != 0 && frame.Length >= p + 4)
            {
                frames = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(frame[p..]));
                p += 4;
            }
            if ((flags & 2) != 0 && frame.Length >= p + 4)
            {
                bytes = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(frame[p..]));
                p += 4;
            }
            if ((flags & 4) != 0)
                p += 100;
            if ((flags & 8) != 0)
                p += 4;
            // LAME extension: 9-byte encoder version, then 12 bytes of fields, then delay and padding (12 bits each).
            var delaysAt = p + 9 + 1 + 1 + 4 + 2 + 2 + 1 + 1;
            if (frame.Length >= delaysAt + 3)
            {
                var version = frame.Slice(p, 4);
                if (
                    version.SequenceEqual("LAME"u8)
                    || version.SequenceEqual("Lavf"u8)
                    || version.SequenceEqual("Lavc"u8)
                )
                {
                    var v = frame[delaysAt] << 16 | frame[delaysAt + 1] << 8 | frame[delaysAt + 2];
                    return new VbrTag(frames, bytes, v >> 12, v & 0xFFF, HasDelays: true);
                }
            }
            return new VbrTag(frames, bytes, 0, 0, HasDelays: false);
        }
        const int vbriAt = 4 + 32;
        if (frame.Length >= vbriAt + 18 && frame.Slice(vbriAt, 4).SequenceEqual("VBRI"u8))
        {
            var bytes = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(frame[(vbriAt + 10)..]));
            var frames = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(frame[(vbriAt + 14)..]));
            return new VbrTag(frames, bytes, 0, 0, HasDelays: false);
        }
        return null;
    }

    /// <summary>Offset just past any ID3v2 tags at the start (0 when there are none).</summary>
    internal static int SkipId3v2(ReadOnlySpan<byte> data, bool allowPartial = false)
    {
        var pos = 0;
        while (
            data.Length >= pos + 10
            && data[pos] == 'I'
            && data[pos + 1] == 'D'
            && data[pos + 2] == '3'
            && (data[pos + 6] | data[pos + 7] | data[pos + 8] | data[pos + 9]) < 0x80
        )
        {
            var size = data[pos + 6] << 21 | data[pos + 7] << 14 | data[pos + 8] << 7 | data[pos + 9];
            var footer = (data[pos + 5] & 0x10) != 0;
            var next = pos + 10 + size + (footer ? 10 : 0);
            if (next > data.Length && !allowPartial)
                return data.Length;
            pos = next;
            if (allowPartial)
                break; // only the first tag's size is known from a 10-byte peek
        }
        return pos;
    }

    /// <summary>
    /// First offset in [from, to) holding a valid frame header whose successor is also a valid, compatible header
    /// (or whose frame ends exactly at the end of the data): one valid-looking header alone is often a false sync.
    /// </summary>
    internal static int FindSync(ReadOnlySpan<byte> data, int from, int to, Mp3FrameHeader? like = null)
    {
        for (var pos = from; pos + 4 <= to; pos++)
        {
            if (data[pos] != 0xFF)
                continue;
            var header = Mp3FrameHeader.Parse(data[pos..]);
            if (header is not { } h || (like is { } l && !h.IsCompatibleWith(l)))
                continue;
            var next = pos + h.FrameLength;
            if (next == data.Length)
                return pos;
            if (next + 4 > data.Length)
                continue;
            if (Mp3FrameHeader.Parse(data[next..]) is { } n && n.IsCompatibleWith(h))
                return pos;
        }
        return -1;
    }
}
