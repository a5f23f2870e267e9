using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Util;

namespace Emolingua.Fuzz;

/// <summary>The audio readers: bytes from uploads, corpora and predict's inputs.</summary>
internal static class AudioTargets
{
    /// <summary>The WAV reader: header probe, then a full read (RIFF/RF64/BW64, PCM and float, any chunk
    /// layout).</summary>
    public static void Wav(byte[] data)
    {
        var path = FuzzTargets.WriteScratch("input.wav", data);
        try
        {
            WavReader.Probe(path);
        }
        catch (EmolinguaException) { }
        WavReader.Read(path);
    }

    /// <summary>MP3: our frame walk, Xing/Info and LAME gapless trim around NLayer's decoder (no ffmpeg: MPEG-2.5 gives
    /// the clean error).</summary>
    public static void Mp3(byte[] data)
    {
        var path = FuzzTargets.WriteScratch("input.mp3", data);
        try
        {
            Mp3Reader.Probe(path);
        }
        catch (EmolinguaException) { }
        Mp3Reader.Read(path, p => throw new EmolinguaException(p, "needs ffmpeg (not used while fuzzing)"));
    }

    /// <summary>
    /// The by-content dispatcher as AudioFile.Read runs it, then resampling to 16 kHz. The first byte picks the file
    /// name's extension (the dispatcher falls back on it); ffmpeg is hidden (empty search path), so formats it would
    /// decode give the documented "needs ffmpeg" error instead of a process per input.
    /// </summary>
    public static void ByContent(byte[] data)
    {
        if (data.Length == 0)
            return;
        string[] names = ["input.wav", "input.mp3", "input.flac", "input", "input.ogg", "input.bin"];
        var path = FuzzTargets.WriteScratch(names[data[0] % names.Length], data.AsSpan(1));
        try
        {
            AudioFile.Probe(path, "");
        }
        catch (EmolinguaException) { }
        var waveform = AudioFile.Read(path, "");
        if (waveform.SampleRate != WhisperAudio.SampleRate)
            Resampler.Resample(waveform.Samples, waveform.SampleRate, WhisperAudio.SampleRate);
    }
}
