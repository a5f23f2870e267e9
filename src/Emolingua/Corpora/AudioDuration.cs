namespace Emolingua.Corpora;

/// <summary>Durations from audio headers only (no decoding), for the adapters' 0.5–12 s filter.</summary>
internal static class AudioDuration
{
    /// <summary>Seconds, or null (counted as unreadable) when the header cannot be read.</summary>
    public static double? TryRead(string path, SkipCounter skips)
    {
        try
        {
            // A WAV costs a few hundred bytes of chunk headers (MSP-Podcast has 100k+ files).
            return Emolingua.Audio.AudioFile.Probe(path).DurationSeconds;
        }
        catch (Exception e)
            when (e
                    is IOException
                        or InvalidDataException
                        or Util.EmolinguaException
                        or NotSupportedException
                        or UnauthorizedAccessException
            )
        {
            skips.Add(SkipReasons.UnreadableAudio);
            return null;
        }
    }
}
