namespace Emolingua.Corpora;

/// <summary>Durations from audio headers only (no decoding), for the adapters' 0.5–12 s filter.</summary>
internal static class AudioDuration
{
    /// <summary>Seconds, or null (counted as unreadable) when the header cannot be read.</summary>
    public static double? TryRead(string path, SkipCounter skips)
    {
        try
        {
            return Probe(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or Util.EmolinguaException
                                      or NotSupportedException or UnauthorizedAccessException)
        {
            skips.Add(SkipReasons.UnreadableAudio);
            return null;
        }
    }

    // TEMPORARY until h/audio lands: WAV-only RIFF header reader. Replace with Emolingua.Audio.AudioFile.Probe.
    private static double Probe(string path)
    {
        using var s = File.OpenRead(path);
        using var r = new BinaryReader(s);
        if (s.Length < 12 || new string(r.ReadChars(4)) != "RIFF") throw new InvalidDataException("not RIFF");
        r.ReadUInt32();
        if (new string(r.ReadChars(4)) != "WAVE") throw new InvalidDataException("not WAVE");
        int blockAlign = 0, rate = 0;
        while (s.Position + 8 <= s.Length)
        {
            string id = new(r.ReadChars(4));
            long size = r.ReadUInt32();
            if (id == "fmt ")
            {
                r.ReadUInt16(); r.ReadUInt16(); rate = r.ReadInt32(); r.ReadInt32(); blockAlign = r.ReadUInt16();
                s.Position += size - 14 + (size & 1);
            }
            else if (id == "data")
            {
                if (rate <= 0 || blockAlign <= 0) throw new InvalidDataException("data before fmt");
                long bytes = Math.Min(size, s.Length - s.Position);
                return (double)(bytes / blockAlign) / rate;
            }
            else s.Position += size + (size & 1);
        }
        throw new InvalidDataException("no data chunk");
    }
}
