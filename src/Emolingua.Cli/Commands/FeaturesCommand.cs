using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class FeaturesCommand : CliCommand
{
    public override string Name => "features";
    public override string Usage => "AUDIO --seconds S [--n-mels 80|128] --out FILE.npy";
    public override string Summary => "Whisper log-mel of the first S seconds (zero-padded) as float32 [n_mels, 100*S] .npy.";

    public override int Run(CliArgs args)
    {
        double seconds = args.Seconds();
        int nMels = args.Int("--n-mels", 80);
        var outPath = args.Required("--out");
        var files = args.Positionals();
        if (files.Count != 1) throw new EmolinguaException("features: give exactly one AUDIO file");
        if (nMels is not (80 or 128)) throw new EmolinguaException($"features: --n-mels {nMels}: 80 or 128");
        var samples = AudioFile.Read(files[0], WhisperAudio.SampleRate).Samples;
        var mel = WhisperLogMel.ComputeOne(samples, seconds, nMels);
        Finite.Require(mel, files[0], "log-mel value", "its amplitudes overflow float32 arithmetic");
        Npy.WriteFloat32(outPath, mel, nMels, WhisperAudio.FramesFor(seconds));
        return 0;
    }
}
