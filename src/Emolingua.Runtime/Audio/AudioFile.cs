using Emolingua.Util;

namespace Emolingua.Audio;

/// <summary>A well-formed audio file without a single sample (a service answers it differently from undecodable
/// bytes).</summary>
public sealed class EmptyAudioException(string path)
    : EmolinguaException(path, "empty audio: the file holds no samples");

/// <summary>
/// Reads audio files as mono float waveforms: WAV and MP3 natively, anything else through ffmpeg when it is on PATH.
/// The format is decided by content, not by name (a FLAC file named .wav is read as FLAC). What comes out is checked:
/// a sample rate in [<see cref="MinSampleRate"/>, <see cref="MaxSampleRate"/>], at least one sample, every sample
/// finite.
/// </summary>
public static class AudioFile
{
    /// <summary>Below 4 kHz (2 kHz of bandwidth) a file holds no usable speech; a lower rate is a header that
    /// lies.</summary>
    public const int MinSampleRate = 4000;

    /// <summary>The highest rate of any recording format in use (768 kHz); above it a header lies.</summary>
    public const int MaxSampleRate = 768000;

    /// <summary>Unknown: no signature we know, so ffmpeg is asked (a .wav name then gets the WAV reader's
    /// diagnosis).</summary>
    private enum Kind
    {
        Wav,
        Mp3,
        Other,
        Unknown,
    }

    /// <summary>Format, rate, channels and length, from headers where the format allows (never a full WAV or MP3
    /// decode).</summary>
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
            : new Waveform(
                Resampler.Resample(waveform.Samples, waveform.SampleRate, targetSampleRate),
                targetSampleRate
            );
    }

    /// <param name="path">The audio file.</param>
    /// <param name="searchPath">Where to look for ffmpeg/ffprobe (PATH syntax); tests pass an empty one.</param>
    internal static AudioInfo Probe(string path, string? searchPath)
    {
        var (kind, format) = Detect(path);
        var info = kind switch
        {
            Kind.Wav => WavReader.Probe(path),
            Kind.Mp3 => Mp3Reader.Probe(path),
            Kind.Unknown when IsWavName(path) => WithWavDiagnosis(
                path,
                FfmpegDecoder.Locate("ffprobe", searchPath),
                FfmpegDecoder.Probe,
                WavReader.Probe
            ),
            _ => FfmpegDecoder.Probe(path, RequireTool("ffprobe", path, $"format '{format}'", searchPath)),
        };
        CheckSampleRate(path, info.SampleRate);
        return info;
    }

    internal static Waveform Read(string path, string? searchPath)
    {
        var (kind, format) = Detect(path);
        var waveform = kind switch
        {
            Kind.Wav => WavReader.Read(path),
            Kind.Mp3 => Mp3Reader.Read(path, _ =>
                ReadWithFfmpeg(path, "8 kHz MP3 (MPEG-2.5, which the built-in decoder gets wrong)", searchPath)
            ),
            Kind.Unknown when IsWavName(path) => WithWavDiagnosis(
                path,
                FfmpegDecoder.Locate("ffmpeg", searchPath),
                FfmpegDecoder.Read,
                WavReader.Read
            ),
            _ => ReadWithFfmpeg(path, $"format '{format}'", searchPath),
        };
        CheckSampleRate(path, waveform.SampleRate);
        if (waveform.Samples.Length == 0)
            throw new EmptyAudioException(path);
        Finite.Require(waveform.Samples, path, "sample", "the audio holds NaN or infinite values");
        SampleRange.Require(waveform.Samples, path); // finite but so loud that the log-mel overflows
        return waveform;
    }

    private static void CheckSampleRate(string path, int rate)
    {
        if (rate is < MinSampleRate or > MaxSampleRate)
        {
            throw new EmolinguaException(
                path,
                $"sample rate {rate} Hz is outside {MinSampleRate}–{MaxSampleRate} Hz (the header is wrong, or this is not speech audio)"
            );
        }
    }

    private static bool IsWavName(string path) => Path.GetExtension(path).ToLowerInvariant() is ".wav" or ".wave";

    /// <summary>
    /// Content we do not recognise under a .wav name: ffmpeg may know it (AU, W64, ...). When it does not (or is
    /// missing), the WAV reader's diagnosis ("not a RIFF/WAVE file") says more than ffmpeg's would.
    /// </summary>
    private static T WithWavDiagnosis<T>(string path, string? tool, Func<string, string, T> ffmpeg, Func<string, T> wav)
    {
        if (tool == null)
            return wav(path);
        try
        {
            return ffmpeg(path, tool);
        }
        catch (EmolinguaException)
        {
            return wav(path);
        }
    }

    /// <summary>File extensions taken as audio when a folder is searched for clips (besides files recognised by
    /// content).</summary>
    public static readonly IReadOnlySet<string> AudioExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".wav",
        ".wave",
        ".mp3",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".m4a",
        ".mp4",
        ".aac",
        ".aif",
        ".aiff",
        ".aifc",
        ".caf",
        ".wma",
        ".webm",
        ".mka",
        ".wv",
        ".ape",
        ".amr",
    };

    /// <summary>
    /// Whether a file is audio by its extension or by its first bytes (RIFF/WAVE, an ID3 tag or MPEG frames at the
    /// start,
    /// FLAC, Ogg, MP4, AIFF, CAF, WavPack, APE, Matroska, ADTS). Unreadable files are not.
    /// </summary>
    public static bool LooksLikeAudio(string path)
    {
        if (AudioExtensions.Contains(Path.GetExtension(path)))
            return true;
        Span<byte> head = stackalloc byte[64];
        int n;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        head = head[..n];
        if (WavReader.HasRiffMagic(head) && n >= 12 && head.Slice(8, 4).SequenceEqual("WAVE"u8))
            return true;
        if (head.StartsWith("ID3"u8))
            return true;
        if (Mp3FrameHeader.Parse(head) != null)
            return true; // an MPEG audio frame header right at the start
        return SniffOtherFormat(head) != "";
    }

    private static Waveform ReadWithFfmpeg(string path, string what, string? searchPath) =>
        FfmpegDecoder.Read(path, RequireTool("ffmpeg", path, what, searchPath));

    private static string RequireTool(string tool, string path, string what, string? searchPath) =>
        FfmpegDecoder.Locate(tool, searchPath)
        ?? throw new EmolinguaException(
            path,
            $"{what} needs {tool} on PATH (apt-get install ffmpeg), or convert it to WAV first"
        );

    /// <summary>Decides by content, then by extension: a WAV named .mp3 still reads as WAV.</summary>
    private static (Kind Kind, string Format) Detect(string path)
    {
        if (Directory.Exists(path))
            throw new EmolinguaException(path, "is a directory, not an audio file");
        if (!File.Exists(path))
            throw new EmolinguaException(path, "file not found");
        byte[] head;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            if (file.Length == 0)
                throw new EmolinguaException(path, "empty file (0 bytes)");
            head = new byte[Math.Min(file.Length, 65536)];
            // A RIFF id is decided by 4 bytes: probing a WAV (100k+ of them in a corpus scan) reads no 64 KiB head.
            var riffId = file.ReadAtLeast(
                head.AsSpan(0, Math.Min(head.Length, 4)),
                Math.Min(head.Length, 4),
                throwOnEndOfStream: false
            );
            if (WavReader.HasRiffMagic(head.AsSpan(0, riffId)))
                return (Kind.Wav, "wav");
            file.ReadAtLeast(head.AsSpan(riffId), head.Length - riffId, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new EmolinguaException(path, "permission denied", e);
        }
        catch (IOException e)
        {
            throw new EmolinguaException(path, $"cannot read: {e.Message}", e);
        }

        var sniffed = SniffOtherFormat(head);
        if (sniffed != "")
            return (Kind.Other, sniffed);
        // An ID3v2 tag (it may hide the first frame beyond the 64 KiB we read) or a chain of MPEG frames at the start.
        if (head.AsSpan().StartsWith("ID3"u8) || Mp3Reader.LooksLikeMpegAudio(head))
            return (Kind.Mp3, "mp3");
        var extension = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        if (extension == "mp3")
            return (Kind.Mp3, "mp3"); // junk before the first frame: the MP3 reader searches past it
        if (IsWavName(path) && "RIFF"u8.StartsWith(head.AsSpan(0, Math.Min(head.Length, 4))))
            return (Kind.Wav, "wav"); // cut inside "RIFF"
        return (Kind.Unknown, extension != "" ? extension : "unknown");
    }

    /// <summary>Names formats whose magic could otherwise be mistaken for MPEG audio after an ID3 tag.</summary>
    private static string SniffOtherFormat(ReadOnlySpan<byte> head)
    {
        var start = Mp3Reader.SkipId3v2(head);
        var at = start < head.Length ? head[start..] : [];
        if (at.StartsWith("fLaC"u8))
            return "flac";
        if (at.StartsWith("OggS"u8))
            return "ogg";
        if (at.Length >= 8 && at.Slice(4, 4).SequenceEqual("ftyp"u8))
            return "mp4";
        if (at.StartsWith("FORM"u8))
            return "aiff";
        if (at.StartsWith("caff"u8))
            return "caf";
        if (at.StartsWith("wvpk"u8))
            return "wavpack";
        if (at.StartsWith("MAC "u8))
            return "ape";
        if (at.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
            return "matroska";
        if (at.Length >= 2 && at[0] == 0xFF && (at[1] & 0xF6) == 0xF0)
            return "aac"; // ADTS: MPEG sync with layer bits 00
        return "";
    }
}
