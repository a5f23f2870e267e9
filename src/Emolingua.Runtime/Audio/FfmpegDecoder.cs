using System.Globalization;
using Emolingua.Util;

namespace Emolingua.Audio;

/// <summary>Decodes anything ffmpeg understands (flac, ogg, m4a, ...) by running ffprobe/ffmpeg found on
/// PATH.</summary>
internal static class FfmpegDecoder
{
    /// <summary>Full path of <paramref name="tool"/> in the directories of <paramref name="searchPath"/> (PATH syntax),
    /// or null.</summary>
    public static string? Locate(string tool, string? searchPath) => ExternalProcess.Locate(tool, searchPath);

    public static AudioInfo Probe(string path, string ffprobe)
    {
        var result = Run(
            path,
            ffprobe,
            [
                "-v",
                "error",
                "-select_streams",
                "a:0",
                "-show_entries",
                "stream=sample_rate,channels,duration:format=format_name,duration",
                "-of",
                "default=noprint_wrappers=1",
                Path.GetFullPath(path),
            ]
        );
        var values = new Dictionary<string, string>();
        foreach (
            var line in System
                .Text.Encoding.UTF8.GetString(result)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        )
        {
            var eq = line.IndexOf('=');
            // The stream's duration comes before the container's; keep the first that is a number (not "N/A").
            if (
                eq > 0
                && (
                    !values.ContainsKey(line[..eq])
                    || !double.TryParse(values[line[..eq]], NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                )
            )
            {
                values[line[..eq]] = line[(eq + 1)..];
            }
        }
        if (
            !values.TryGetValue("sample_rate", out var rateText)
            || !int.TryParse(rateText, CultureInfo.InvariantCulture, out var rate)
            || rate <= 0
        )
        {
            throw new EmolinguaException(path, "no audio stream found (ffprobe)");
        }

        var channels =
            values.TryGetValue("channels", out var c) && int.TryParse(c, CultureInfo.InvariantCulture, out var ch)
                ? ch
                : 0;
        if (channels <= 0)
            throw new EmolinguaException(path, "audio stream has no channels (ffprobe)");
        var duration =
            values.TryGetValue("duration", out var d)
            && double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out var sec)
                ? sec
                : 0;
        var format = values.GetValueOrDefault("format_name", "unknown");
        var frames = (long)Math.Round(duration * rate);
        return new AudioInfo(format, rate, channels, frames, duration);
    }

    /// <summary>
    /// One ffmpeg run that writes float WAV to a pipe: the header carries the native rate and channel count, and
    /// the WAV reader copes with the unknown data size a pipe leaves in it. We mix to mono ourselves because
    /// ffmpeg's -ac 1 is a weighted downmix, not the average used for WAV and MP3.
    /// </summary>
    public static Waveform Read(string path, string ffmpeg)
    {
        var bytes = Run(
            path,
            ffmpeg,
            [
                "-nostdin",
                "-v",
                "error",
                "-i",
                Path.GetFullPath(path),
                "-map",
                "0:a:0",
                "-f",
                "wav",
                "-acodec",
                "pcm_f32le",
                "-",
            ]
        );
        if (bytes.Length == 0)
            throw new EmolinguaException(path, "no audio stream found (ffmpeg)");
        using var wav = new MemoryStream(bytes, writable: false);
        return WavReader.Read(path, wav, decoder: "ffmpeg");
    }

    private static byte[] Run(string path, string tool, IEnumerable<string> arguments)
    {
        var output = ExternalProcess.Run(tool, arguments)!; // no timeout: never null
        if (output.ExitCode != 0)
        {
            var lines = output.Stderr.Split(
                '\n',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
            );
            var reason = lines.Length > 0 ? lines[^1] : $"exit code {output.ExitCode}";
            throw new EmolinguaException(path, $"{Path.GetFileName(tool)} could not decode it: {reason}");
        }
        return output.Stdout;
    }
}
