namespace Emolingua.Tests;

/// <summary>
/// Minimal PCM16 mono WAV reading/writing for tests, independent of the library's reader, so fixture parity tests do
/// not depend on the code under test elsewhere.
/// </summary>
public static class TestWav
{
    public static float[] ReadPcm16Mono(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var pos = 12;
        while (pos + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, pos, 4);
            var size = BitConverter.ToInt32(bytes, pos + 4);
            if (id == "data")
            {
                var samples = new float[size / 2];
                for (var i = 0; i < samples.Length; i++)
                    samples[i] = BitConverter.ToInt16(bytes, pos + 8 + 2 * i) / 32768f;
                return samples;
            }
            pos += 8 + size + (size & 1);
        }
        throw new InvalidDataException("no data chunk in " + path);
    }

    public static void WritePcm16Mono(string path, ReadOnlySpan<float> samples, int sampleRate)
    {
        using var w = new BinaryWriter(File.Create(path));
        var dataBytes = samples.Length * 2;
        w.Write("RIFF"u8);
        w.Write(36 + dataBytes);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(sampleRate);
        w.Write(sampleRate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(dataBytes);
        foreach (var s in samples)
            w.Write((short)Math.Clamp(MathF.Round(s * 32767f), -32768, 32767));
    }

    /// <summary>
    /// The tests' one synthetic speech-like signal: a gliding harmonic tone with an amplitude envelope and light noise.
    /// With <paramref name="pauses"/>, each second instead holds 0.7 s of tone, then silence with a 0.1 s noise burst
    /// (onsets and transients, which make encoders such as LAME switch block types).
    /// </summary>
    public static float[] Voiced(double seconds, int sampleRate, int seed = 1, bool pauses = false)
    {
        var rng = new Random(seed);
        var n = (int)(seconds * sampleRate);
        var x = new float[n];
        double phase = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / sampleRate;
            var f0 = 120 + 40 * Math.Sin(2 * Math.PI * 0.7 * t);
            phase += 2 * Math.PI * f0 / sampleRate;
            double v = 0;
            for (var h = 1; h <= 12; h++)
                v += Math.Sin(h * phase) / h;
            var noise = rng.NextDouble() * 2 - 1;
            if (!pauses)
                x[i] = (float)(0.2 * (0.5 + 0.5 * Math.Sin(2 * Math.PI * 3 * t)) * v + 0.01 * noise);
            else
                x[i] = (float)((t % 1.0 < 0.7 ? 0.25 * v : 0) + (t % 1.0 is > 0.75 and < 0.85 ? 0.1 * noise : 0));
        }
        return x;
    }
}
