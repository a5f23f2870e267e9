using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class EmbedCommand : CliCommand
{
    public override string Name => "embed";
    public override string Usage => "--model MODEL --seconds S --out FILE.npy [--batch N] [--device cpu|cuda] AUDIO...";
    public override string Summary => "Time-mean Whisper encoder output per file as float32 [N, d_model] .npy (MODEL: HF folder, .safetensors or hub id).";

    public override int Run(CliArgs args)
    {
        var modelArg = args.Required("--model");
        double seconds = args.Seconds(encoder: true);
        var outPath = args.Required("--out");
        int batch = args.Int("--batch", 16, min: 1);
        var deviceName = args.Option("--device");
        var files = args.Positionals();
        if (files.Count == 0) throw new EmolinguaException("embed: give at least one AUDIO file");

        var checkpoint = WhisperCheckpoint.Resolve(modelArg);
        var device = DeviceOption.Parse(deviceName); // after the model's config: a bad folder is reported without loading libtorch
        using var encoder = checkpoint.LoadEncoder(WhisperAudio.PositionsFor(seconds), device);
        encoder.eval();
        int d = checkpoint.Config.DModel;
        var result = new float[files.Count * d];
        for (int start = 0; start < files.Count; start += batch)
        {
            var chunk = files.Skip(start).Take(batch).Select(f => AudioFile.Read(f, WhisperAudio.SampleRate).Samples).ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var mel = WhisperLogMel.Compute(WhisperLogMel.Batch(chunk, seconds, device), checkpoint.Config.NumMelBins);
            var rows = encoder.Embed(mel).cpu().data<float>().ToArray(); // [b, D] rows in argument order
            for (int i = 0; i < chunk.Count; i++)
                Finite.Require(rows.AsSpan(i * d, d), files[start + i], "embedding value", "the model overflows on this input");
            rows.CopyTo(result, start * d);
        }
        Npy.WriteFloat32(outPath, result, files.Count, d);
        return 0;
    }
}
