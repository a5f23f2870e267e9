using System.Buffers.Binary;

namespace Emolingua.Corpora;

/// <summary>Durations from audio headers only (no decoding), for the adapters' 0.5–12 s filter.</summary>
internal static class AudioDuration
{
    /// <summary>Seconds, or null (counted as unreadable) when the header cannot be read.</summary>
    public static double? TryRead(string path, SkipCounter skips)
    {
        try
        {
            return TryPlainWav(path) ?? Emolingua.Audio.AudioFile.Probe(path).DurationSeconds;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or Util.EmolinguaException
                                      or NotSupportedException or UnauthorizedAccessException)
        {
            skips.Add(SkipReasons.UnreadableAudio);
            return null;
        }
    }

    /// <summary>
    /// Fast path for ordinary RIFF/WAVE files: walks the chunk headers with seeks (a few hundred bytes read),
    /// because AudioFile.Probe sniffs a 64 KiB head, which is a lot over MSP-Podcast's 100k+ files. Returns null
    /// (let Probe decide) for anything unusual.
    /// </summary>
    private static double? TryPlainWav(string path)
    {
        if (!path.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) return null;
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 512);
        Span<byte> h = stackalloc byte[12];
        if (s.ReadAtLeast(h, 12, throwOnEndOfStream: false) < 12 || !h[..4].SequenceEqual("RIFF"u8) || !h[8..12].SequenceEqual("WAVE"u8)) return null;
        int blockAlign = 0, rate = 0;
        Span<byte> c = stackalloc byte[16];
        while (s.Position + 8 <= s.Length)
        {
            if (s.ReadAtLeast(c[..8], 8, throwOnEndOfStream: false) < 8) return null;
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(c[4..8]);
            if (c[..4].SequenceEqual("fmt "u8))
            {
                if (size < 16 || s.ReadAtLeast(c, 16, throwOnEndOfStream: false) < 16) return null;
                rate = BinaryPrimitives.ReadInt32LittleEndian(c[4..8]);
                blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(c[12..14]);
                s.Position += size - 16 + (size & 1);
            }
            else if (c[..4].SequenceEqual("data"u8))
            {
                if (rate is < Audio.AudioFile.MinSampleRate or > Audio.AudioFile.MaxSampleRate || blockAlign <= 0) return null;
                if (size == 0 || (size != 0xFFFFFFFF && size > s.Length - s.Position)) return null; // streamed or truncated: Probe decides
                long bytes = Math.Min(size, s.Length - s.Position); // streaming writers leave 0xFFFFFFFF
                return (double)(bytes / blockAlign) / rate;
            }
            else s.Position += size + (size & 1);
        }
        return null;
    }
}
