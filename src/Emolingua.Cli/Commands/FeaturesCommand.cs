using System.CommandLine;
using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

public sealed class FeaturesCommand : CliCommand
{
    private readonly Argument<string> _audio = new("AUDIO")
    {
        Description = "the audio file (WAV, MP3, or anything ffmpeg reads)",
    };
    private readonly Option<double> _seconds = CliOptions.Seconds("window length; the first S seconds, zero-padded");
    private readonly Option<int> _nMels = CliOptions.Int("--n-mels", 80, "mel bands: 80 or 128");
    private readonly Option<string> _out = CliOptions.RequiredPath("--out", "FILE.npy", "the output .npy");

    public FeaturesCommand()
        : base("features", "Whisper log-mel of the first S seconds (zero-padded) as float32 [n_mels, 100*S] .npy.")
    {
        _nMels.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is not (80 or 128))
                r.AddError($"option --n-mels {r.GetValueOrDefault<int>()}: 80 or 128");
        });
        Add(_audio);
        Add(_seconds);
        Add(_nMels);
        Add(_out);
    }

    protected override int Run(ParseResult parsed)
    {
        var seconds = parsed.GetValue(_seconds);
        var nMels = parsed.GetValue(_nMels);
        var audio = parsed.GetValue(_audio)!;
        var samples = AudioFile.Read(audio, WhisperAudio.SampleRate).Samples;
        var mel = WhisperLogMel.ComputeOne(samples, seconds, nMels);
        Finite.Require(mel, audio, "log-mel value", "its amplitudes overflow float32 arithmetic");
        Npy.WriteFloat32(parsed.GetValue(_out)!, mel, nMels, WhisperAudio.FramesFor(seconds));
        return 0;
    }
}
