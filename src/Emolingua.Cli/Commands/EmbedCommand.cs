using System.CommandLine;
using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class EmbedCommand : CliCommand
{
    private readonly Option<string> _model = CliOptions.RequiredPath(
        "--model",
        "MODEL",
        "Whisper weights: HF folder, .safetensors or hub id"
    );
    private readonly Option<double> _seconds = CliOptions.Seconds("window length fed to the encoder", encoder: true);
    private readonly Option<string> _out = CliOptions.RequiredPath(
        "--out",
        "FILE.npy",
        "the output .npy, one row per AUDIO"
    );
    private readonly Option<int> _batch = CliOptions.Int("--batch", 16, "files per forward pass", min: 1);
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Argument<string[]> _audio = new("AUDIO")
    {
        Arity = ArgumentArity.OneOrMore,
        Description = "audio files; rows follow this order",
    };

    public EmbedCommand()
        : base(
            "embed",
            "Time-mean Whisper encoder output per file as float32 [N, d_model] .npy (MODEL: HF folder, .safetensors or hub id)."
        )
    {
        Add(_model);
        Add(_seconds);
        Add(_out);
        Add(_batch);
        Add(_device);
        Add(_audio);
    }

    protected override int Run(ParseResult parsed)
    {
        var seconds = parsed.GetValue(_seconds);
        var batch = parsed.GetValue(_batch);
        var device = parsed.GetValue(_device)!;
        var files = parsed.GetValue(_audio)!;

        var checkpoint = WhisperCheckpoint.Resolve(parsed.GetValue(_model)!);
        using var encoder = checkpoint.LoadEncoder(WhisperAudio.PositionsFor(seconds), device);
        encoder.eval();
        var d = checkpoint.Config.DModel;
        var result = new float[files.Length * d];
        for (var start = 0; start < files.Length; start += batch)
        {
            var chunk = files
                .Skip(start)
                .Take(batch)
                .Select(f => AudioFile.Read(f, WhisperAudio.SampleRate).Samples)
                .ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var mel = WhisperLogMel.Compute(WhisperLogMel.Batch(chunk, seconds, device), checkpoint.Config.NumMelBins);
            var rows = encoder.Embed(mel).cpu().data<float>().ToArray(); // [b, D] rows in argument order
            for (var i = 0; i < chunk.Count; i++)
            {
                Finite.Require(
                    rows.AsSpan(i * d, d),
                    files[start + i],
                    "embedding value",
                    "the model overflows on this input"
                );
            }

            rows.CopyTo(result, start * d);
        }
        Npy.WriteFloat32(parsed.GetValue(_out)!, result, files.Length, d);
        return 0;
    }
}
