using System.Globalization;
using System.Security;
using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Synth;

/// <summary>One clip to speak: espeak-ng voice and prosody, then level, padding, noise and the output format.</summary>
internal sealed class SynthJob
{
    public required string OutPath { get; init; }
    public required string Voice { get; init; } // e.g. "de+f3"
    public required string Text { get; init; }
    public required int Pitch { get; init; } // espeak -p, 0..99
    public required int Rate { get; init; } // espeak -s, words per minute
    public required int Amplitude { get; init; } // espeak -a, <= 120
    public required string Range { get; init; } // SSML prosody range: x-low .. x-high
    public required int SampleRate { get; init; }
    public required bool Mp3 { get; init; }
    public required double Lead { get; init; } // seconds of silence (+noise) before / after speech
    public required double Trail { get; init; }
    public required double GainDb { get; init; } // recording level, <= 0
    public required double SnrDb { get; init; } // background noise relative to the speech RMS
    public required ulong NoiseSeed { get; init; }

    /// <summary>Seconds, known after rendering.</summary>
    public double Duration { get; set; }
}

/// <summary>Runs espeak-ng (speech, 22.05 kHz); padding, noise, resampling (Emolingua.Audio) and PCM16 WAV here; MP3 by
/// ffmpeg in batches.</summary>
internal static class SynthRenderer
{
    public static void CheckTools()
    {
        foreach (var tool in new[] { "espeak-ng", "ffmpeg" })
        {
            if (ExternalProcess.Locate(tool) == null)
                throw new EmolinguaException(tool, "not found on PATH (Debian: apt-get install espeak-ng ffmpeg)");
        }
    }

    /// <summary>Speaks one clip and writes it: PCM16 WAV directly, or (MP3) float samples to
    /// <paramref name="rawForMp3"/> for <see cref="EncodeMp3"/>.</summary>
    public static void Render(SynthJob job, string? rawForMp3 = null)
    {
        var ssml = $"<speak><prosody range=\"{job.Range}\">{SecurityElement.Escape(job.Text)}</prosody></speak>";
        var (wav, stderr) = RunCapture(
            "espeak-ng",
            [
                "-v",
                job.Voice,
                "-p",
                Num(job.Pitch),
                "-s",
                Num(job.Rate),
                "-a",
                Num(job.Amplitude),
                "-m",
                "--stdout",
                ssml,
            ]
        );
        var (speech, rate) = ParseEspeakWav(wav, stderr);
        var x = Emolingua.Audio.Resampler.Resample(Process(job, speech, rate), rate, job.SampleRate);
        for (var i = 0; i < x.Length; i++)
            x[i] = Math.Clamp(x[i], -0.999f, 0.999f);
        job.Duration = x.Length / (double)job.SampleRate;
        if (job.Mp3)
        {
            var bytes = new byte[x.Length * 4];
            Buffer.BlockCopy(x, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(rawForMp3 ?? throw new ArgumentNullException(nameof(rawForMp3)), bytes);
        }
        else
        {
            Emolingua.Audio.WavWriter.WritePcm16(job.OutPath, x, job.SampleRate);
        }
    }

    /// <summary>Encodes float32 raw files to MP3 (mono, same rate, 64 kb/s) with one ffmpeg process for the
    /// batch.</summary>
    public static void EncodeMp3(IReadOnlyList<(string Raw, string Mp3, int Rate)> batch)
    {
        if (batch.Count == 0)
            return;
        var args = new List<string> { "-nostdin", "-loglevel", "error", "-y" };
        foreach (var (raw, _, rate) in batch)
            args.AddRange(["-f", "f32le", "-ar", Num(rate), "-ac", "1", "-i", raw]);
        for (var i = 0; i < batch.Count; i++)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(batch[i].Mp3)!);
            args.AddRange([
                "-map",
                $"{i}:a",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "64k",
                "-map_metadata",
                "-1",
                "-fflags",
                "+bitexact",
                "-flags:a",
                "+bitexact",
                "-f",
                "mp3",
                batch[i].Mp3 + ".tmp",
            ]);
        }
        RunCapture("ffmpeg", args);
        foreach (var (raw, mp3, _) in batch)
        {
            File.Move(mp3 + ".tmp", mp3, overwrite: true);
            File.Delete(raw);
        }
    }

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>espeak-ng --stdout cannot seek back to fill in its WAV sizes: read the fmt chunk, take all data after
    /// it.</summary>
    private static (float[] Samples, int Rate) ParseEspeakWav(byte[] wav, string stderr)
    {
        if (wav.Length < 44)
            throw new EmolinguaException("espeak-ng", "produced no audio: " + stderr.Trim());
        using var stream = new MemoryStream(wav, writable: false);
        var speech = Emolingua.Audio.WavReader.Read("espeak-ng", stream, dataRunsToEnd: true);
        return (speech.Samples, speech.SampleRate);
    }

    /// <summary>Padding, recording level and coloured background noise at the job's SNR (deterministic per
    /// job).</summary>
    private static float[] Process(SynthJob job, float[] speech, int rate)
    {
        int lead = (int)(job.Lead * rate),
            trail = (int)(job.Trail * rate);
        var x = new float[lead + speech.Length + trail];
        var gain = (float)Math.Pow(10, job.GainDb / 20);
        double energy = 0;
        for (var i = 0; i < speech.Length; i++)
        {
            x[lead + i] = speech[i] * gain;
            energy += (double)x[lead + i] * x[lead + i];
        }
        var rms = Math.Sqrt(energy / Math.Max(1, speech.Length));
        var noiseRms = Math.Max(rms, 1e-4) * Math.Pow(10, -job.SnrDb / 20);
        var rng = new Folds.SplitMix64(job.NoiseSeed);
        // One-pole low-pass white noise (room/hum-like), scaled to the target RMS: a = 0.8 gives variance 1/(1-a^2) of
        // the white part.
        const double a = 0.8;
        double scale = noiseRms * Math.Sqrt(1 - a * a) * Math.Sqrt(3),
            prev = 0;
        for (var i = 0; i < x.Length; i++)
        {
            prev = a * prev + (2 * rng.NextDouble() - 1) * scale;
            x[i] += (float)prev;
        }
        return x;
    }

    private static (byte[] Stdout, string Stderr) RunCapture(string exe, IEnumerable<string> args)
    {
        var output = ExternalProcess.Run(exe, args)!; // no timeout: never null
        if (output.ExitCode != 0)
            throw new EmolinguaException(exe, $"exit code {output.ExitCode}: {output.Stderr.Trim()}");
        return (output.Stdout, output.Stderr);
    }
}
