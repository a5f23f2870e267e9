using Emolingua.Util;

namespace Emolingua.Audio;

/// <summary>Reads audio files as mono float waveforms: WAV and MP3 natively, anything else through ffmpeg when it is on PATH.</summary>
public static class AudioFile
{
    private enum Kind { Wav, Mp3, Other }

    /// <summary>Format, rate, channels and length, from headers where the format allows (never a full WAV or MP3 decode).</summary>
    public static AudioInfo Probe(string path) => Probe(path, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>Mono (channels averaged) at the file's own sample rate.</summary>
    public static Waveform Read(string path) => Read(path, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>Mono (channels averaged), resampled with a band-limited filter when the file's rate differs.</summary>
    public static Waveform Read(string path, int targetSampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetSampleRate, 1);
        var waveform = Read(path);
        return waveform.SampleRate == targetSampleRate
            ? waveform
            : new Waveform(Resampler.Resample(waveform.Samples, waveform.SampleRate, targetSampleRate), targetSampleRate);
    }

    /// <param name="searchPath">Where to look for ffmpeg/ffprobe (PATH syntax); tests pass an empty one.</param>
    internal static AudioInfo Probe(string path, string? searchPath)
    {
        var (kind, format) = Detect(path);
        return kind switch
        {
            Kind.Wav => WavReader.Probe(path),
            Kind.Mp3 => Mp3Reader.Probe(path),
            _ => FfmpegDecoder.Probe(path, RequireTool("ffprobe", path, $"format '{format}'", searchPath)),
        };
    }

    internal static Waveform Read(string path, string? searchPath)
    {
        var (kind, format) = Detect(path);
        return kind switch
        {
            Kind.Wav => WavReader.Read(path),
            Kind.Mp3 => Mp3Reader.Read(path, _ => ReadWithFfmpeg(path, "8 kHz MP3 (MPEG-2.5, which the built-in decoder gets wrong)", searchPath)),
            _ => ReadWithFfmpeg(path, $"format '{format}'", searchPath),
        };
    }

    /// <summary>File extensions taken as audio when a folder is searched for clips (besides files recognised by content).</summary>
    public static readonly IReadOnlySet<string> AudioExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".wave", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".aif", ".aiff", ".aifc", ".caf",
        ".wma", ".webm", ".mka", ".wv", ".ape", ".amr",
    };

    /// <summary>
    /// Whether a file is audio by its extension or by its first bytes (RIFF/WAVE, an ID3 tag or MPEG frames at the start,
    /// FLAC, Ogg, MP4, AIFF, CAF, WavPack, APE, Matroska, ADTS). Unreadable files are not.
    /// </summary>
    public static bool LooksLikeAudio(string path)
    {
        if (AudioExtensions.Contains(Path.GetExtension(path))) return true;
        Span<byte> head = stackalloc byte[64];
        int n;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        head = head[..n];
        if (WavReader.HasRiffMagic(head) && n >= 12 && head.Slice(8, 4).SequenceEqual("WAVE"u8)) return true;
        if (head.StartsWith("ID3"u8)) return true;
        if (Mp3FrameHeader.Parse(head) != null) return true; // an MPEG audio frame header right at the start
        return SniffOtherFormat(head) != "";
    }

    private static Waveform ReadWithFfmpeg(string path, string what, string? searchPath) =>
        FfmpegDecoder.Read(path, RequireTool("ffmpeg", path, what, searchPath));

    private static string RequireTool(string tool, string path, string what, string? searchPath) =>
        FfmpegDecoder.Locate(tool, searchPath)
        ?? throw new EmolinguaException(path, $"{what} needs {tool} on PATH (apt-get install ffmpeg), or convert it to WAV first");

    /// <summary>Decides by content, then by extension: a WAV named .mp3 still reads as WAV.</summary>
    private static (Kind Kind, string Format) Detect(string path)
    {
        if (Directory.Exists(path)) throw new EmolinguaException(path, "is a directory, not an audio file");
        if (!File.Exists(path)) throw new EmolinguaException(path, "file not found");
        byte[] head;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            if (file.Length == 0) throw new EmolinguaException(path, "empty file (0 bytes)");
            head = new byte[Math.Min(file.Length, 65536)];
            file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e) { throw new EmolinguaException(path, "permission denied", e); }
        catch (IOException e) { throw new EmolinguaException(path, $"cannot read: {e.Message}", e); }

        string extension = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        if (WavReader.HasRiffMagic(head) || extension is "wav" or "wave") return (Kind.Wav, "wav");
        if (extension == "mp3") return (Kind.Mp3, "mp3");
        string sniffed = SniffOtherFormat(head);
        if (sniffed == "" && Mp3Reader.LooksLikeMpegAudio(head)) return (Kind.Mp3, "mp3");
        return (Kind.Other, sniffed != "" ? sniffed : extension != "" ? extension : "unknown");
    }

    /// <summary>Names formats whose magic could otherwise be mistaken for MPEG audio after an ID3 tag.</summary>
    private static string SniffOtherFormat(ReadOnlySpan<byte> head)
    {
        int start = Mp3Reader.SkipId3v2(head);
        var at = start < head.Length ? head[start..] : [];
        if (at.StartsWith("fLaC"u8)) return "flac";
        if (at.StartsWith("OggS"u8)) return "ogg";
        if (at.Length >= 8 && at.Slice(4, 4).SequenceEqual("ftyp"u8)) return "mp4";
        if (at.StartsWith("FORM"u8)) return "aiff";
        if (at.StartsWith("caff"u8)) return "caf";
        if (at.StartsWith("wvpk"u8)) return "wavpack";
        if (at.StartsWith("MAC "u8)) return "ape";
        if (at.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return "matroska";
        if (at.Length >= 2 && at[0] == 0xFF && (at[1] & 0xF6) == 0xF0) return "aac"; // ADTS: MPEG sync with layer bits 00
        return "";
    }
}
