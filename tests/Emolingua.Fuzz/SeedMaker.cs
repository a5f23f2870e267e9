using System.Buffers.Binary;
using System.Text;
using Emolingua.Models.Onnx;
using Google.Protobuf;
using Onnx;

namespace Emolingua.Fuzz;

/// <summary>
/// Writes the starting corpus of every target (`Emolingua.Fuzz --make-seeds DIR`): small valid inputs, each well under
/// 64 KB, so that afl-fuzz starts from files the parsers accept. The committed tests/fuzz/seeds/ came from here (the
/// MP3 seeds from ffmpeg, which is why the generator needs it on PATH).
/// </summary>
internal static class SeedMaker
{
    public static void Write(string root)
    {
        void Put(string target, string name, byte[] data)
        {
            var dir = Path.Combine(root, target);
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, name), data);
        }
        var tone = Enumerable
            .Range(0, 1600)
            .Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 220 * i / 16000.0)))
            .ToArray(); // 0.1 s at 16 kHz

        var pcm16 = Wav(1, 1, 16000, 16, tone.SelectMany(s => BitConverter.GetBytes((short)(s * 32767))).ToArray());
        var float32 = Wav(3, 1, 16000, 32, tone.SelectMany(BitConverter.GetBytes).ToArray());
        var stereo8 = Wav(
            1,
            2,
            8000,
            8,
            tone.Take(800).SelectMany(s => new[] { (byte)(128 + s * 127), (byte)(128 - s * 127) }).ToArray()
        );
        var pcm24 = Wav(
            1,
            1,
            44100,
            24,
            tone.SelectMany(s => BitConverter.GetBytes((int)(s * 8388607)).Take(3)).ToArray()
        );
        foreach (
            var (name, bytes) in new[]
            {
                ("pcm16.wav", pcm16),
                ("float32.wav", float32),
                ("stereo8.wav", stereo8),
                ("pcm24.wav", pcm24),
            }
        )
        {
            Put("wav", name, bytes);
            Put("audio", name, [0, .. bytes]);
            Put("upload", "raw-" + name, [0, .. bytes]);
        }
        Put("upload", "multipart-pcm16.wav", [1, .. Multipart(pcm16)]);
        foreach (var mp3 in Mp3Seeds())
        {
            Put("mp3", mp3.Name, mp3.Bytes);
            Put("audio", mp3.Name, [1, .. mp3.Bytes]);
            Put("upload", "raw-" + mp3.Name, [0, .. mp3.Bytes]);
        }
        Put("audio", "flac-magic.flac", [2, .. "fLaC\0\0\0\x22"u8]);

        Put("safetensors", "f32.safetensors", SafeTensors(("a", "F32", [2, 3], 24), ("b", "F16", [4], 8)));
        Put("safetensors", "bf16-meta.safetensors", SafeTensors(("w", "BF16", [3, 1], 6)));

        var config =
            """{"format":"emolingua-emotion-model","method":"baseline","seconds":1,"positions":50,"whisper":{"d_model":64,"encoder_layers":1,"encoder_attention_heads":4,"encoder_ffn_dim":128,"num_mel_bins":80,"max_source_positions":1500},"head":{"hidden":32,"dropout":0.1,"classes":4}}""";
        var labels = """["angry","happy","neutral","sad"]""";
        var calibration = """{"temperature":1.5,"fitted_on":"validation"}""";
        Put("model-json", "folder.bin", Encoding.UTF8.GetBytes($"{config}\0{labels}\0{calibration}"));
        Put("model-json", "no-calibration.bin", Encoding.UTF8.GetBytes($"{config}\0{labels}\0"));

        Put("onnx", "tiny.onnx", TinyOnnx());

        foreach (var recipe in new[] { "baseline", "byol", "contrastive" })
        {
            var text = File.ReadAllText(Path.Combine(RepoRoot(), "recipes", "demo", recipe + ".json"));
            Put(
                "recipe",
                recipe + ".bin",
                Encoding.UTF8.GetBytes(text + "\0training.learning_rate=0.001\nmodel.seconds=2\n")
            );
        }
        Put(
            "predict-list",
            "manifest.csv",
            [0, .. "path,label,speaker\nclips/a.wav,angry,s1\n\"b, c.wav\",sad,s2\n"u8]
        );
        Put(
            "predict-list",
            "manifest.jsonl",
            [1, .. "{\"path\":\"a.wav\",\"label\":\"happy\"}\n{\"path\":\"sub/b.mp3\"}\n"u8]
        );
        Put("predict-list", "list.txt", [2, .. "# clips\na.wav\n\n  b.wav  \n/abs/c.flac\n"u8]);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Emolingua.slnx")))
                return dir.FullName;
        }

        throw new DirectoryNotFoundException(
            "the repository root (Emolingua.slnx) is not above " + AppContext.BaseDirectory
        );
    }

    private static byte[] Wav(int format, int channels, int rate, int bits, byte[] data)
    {
        var b = new MemoryStream();
        var w = new BinaryWriter(b);
        w.Write("RIFF"u8);
        w.Write(36 + data.Length);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)format);
        w.Write((short)channels);
        w.Write(rate);
        w.Write(rate * channels * bits / 8);
        w.Write((short)(channels * bits / 8));
        w.Write((short)bits);
        w.Write("data"u8);
        w.Write(data.Length);
        w.Write(data);
        return b.ToArray();
    }

    private static byte[] Multipart(byte[] file) =>
        [
            .. "--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n"u8,
            .. file,
            .. "\r\n--b--\r\n"u8,
        ];

    /// <summary>Two short tones encoded by ffmpeg: CBR 32 kbps at 16 kHz (MPEG-2), VBR at 44.1 kHz with a Xing/LAME
    /// header.</summary>
    private static IEnumerable<(string Name, byte[] Bytes)> Mp3Seeds()
    {
        foreach (var (name, args) in new[] { ("cbr16k.mp3", "-ar 16000 -b:a 32k"), ("vbr44k.mp3", "-ar 44100 -q:a 9") })
        {
            var path = Path.Combine(Path.GetTempPath(), "emolingua-seed-" + name);
            var psi = new System.Diagnostics.ProcessStartInfo(
                "ffmpeg",
                $"-v error -y -f lavfi -i sine=frequency=300:duration=0.3 -ac 1 {args} -c:a libmp3lame {path}"
            );
            using (var p = System.Diagnostics.Process.Start(psi)!)
                p.WaitForExit();
            yield return (name, File.ReadAllBytes(path));
            File.Delete(path);
        }
    }

    private static byte[] SafeTensors(params (string Name, string DType, long[] Shape, int Bytes)[] tensors)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var t in tensors)
        {
            header.Append(
                $",\"{t.Name}\":{{\"dtype\":\"{t.DType}\",\"shape\":[{string.Join(',', t.Shape)}],\"data_offsets\":[{offset},{offset + t.Bytes}]}}"
            );
            offset += t.Bytes;
        }
        header.Append('}');
        while ((header.Length + 8) % 8 != 0)
            header.Append(' ');
        var h = Encoding.UTF8.GetBytes(header.ToString());
        var result = new byte[8 + h.Length + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)h.Length);
        h.CopyTo(result, 8);
        for (var i = 8 + h.Length; i < result.Length; i++)
            result[i] = (byte)(i * 37 % 61); // finite F32/F16/BF16 bit patterns
        return result;
    }

    /// <summary>A valid Emolingua-shaped ONNX file in a few hundred bytes: probabilities and embedding are slices of
    /// the 1 s waveform.</summary>
    private static byte[] TinyOnnx()
    {
        var g = new OnnxGraphBuilder();
        var probabilities = g.Op(
            "Slice",
            [OnnxExport.Waveform, g.Int64("start", 0), g.Int64("end", 4), g.Int64("axis", 1)]
        );
        var embedding = g.Op(
            "Slice",
            [OnnxExport.Waveform, g.Int64("start", 0), g.Int64("end", 8), g.Int64("axis", 1)]
        );
        g.Rename(probabilities, OnnxExport.Probabilities);
        g.Rename(embedding, OnnxExport.Embedding);
        g.Graph.Name = "seed";
        g.Graph.Input.Add(OnnxGraphBuilder.FloatValue(OnnxExport.Waveform, "batch", 16000));
        g.Graph.Output.Add(OnnxGraphBuilder.FloatValue(OnnxExport.Probabilities, "batch", 4));
        g.Graph.Output.Add(OnnxGraphBuilder.FloatValue(OnnxExport.Embedding, "batch", 8));
        var model = new ModelProto
        {
            IrVersion = OnnxExport.IrVersion,
            ProducerName = "emolingua-fuzz-seed",
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxExport.Opset });
        foreach (
            var (k, v) in new[]
            {
                ("format", "emolingua-emotion-model"),
                ("labels", "[\"angry\",\"happy\",\"neutral\",\"sad\"]"),
                ("sample_rate", "16000"),
                ("window_seconds", "1"),
                ("method", "baseline"),
                ("temperature", "1.25"),
            }
        )
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        }

        return model.ToByteArray();
    }
}
