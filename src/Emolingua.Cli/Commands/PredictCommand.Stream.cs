using System.CommandLine;
using System.Globalization;
using Emolingua.Inference;
using Emolingua.Util;

namespace Emolingua.Cli.Commands;

/// <summary>predict --stream: live audio from stdin (or a pipe), one line per window as it completes, then the whole
/// stream.</summary>
public sealed partial class PredictCommand
{
    private readonly Option<string?> _stream = CliOptions.OptionalPath(
        "--stream",
        "-|PIPE",
        "read live audio from stdin (-) or a pipe and print one line per window as it completes, then the whole stream (a WAV stream, or raw PCM with --format and --rate)"
    );
    private readonly Option<string?> _format = new("--format")
    {
        HelpName = "s16le|f32le",
        Description =
            "with --stream: raw mono PCM, 16-bit integers or 32-bit floats, little-endian (without it: a WAV stream)",
    };
    private readonly Option<int?> _rate = CliOptions.OptionalInt(
        "--rate",
        "with --stream --format: the sample rate in Hz",
        min: 1
    );

    private void AddStreamOptions()
    {
        _format.AcceptOnlyFromAmong("s16le", "f32le");
        Add(_stream);
        Add(_format);
        Add(_rate);
        Validators.Add(r =>
        {
            var stream = r.GetValue(_stream) != null;
            if (stream && r.GetValue(_inputs) is { Length: > 0 })
                r.AddError("--stream reads live audio instead of INPUT files: give one or the other");
            if (stream && r.GetValue(_out) != null)
                r.AddError("--stream prints to the console; --out is for files");
            if (!stream && (r.GetValue(_format) != null || r.GetValue(_rate) != null))
                r.AddError("--format and --rate describe live audio: give them with --stream");
            if (r.GetValue(_format) != null && r.GetValue(_rate) == null)
                r.AddError("--format needs --rate (raw PCM has no header to give it)");
            if (r.GetValue(_format) == null && r.GetValue(_rate) != null)
                r.AddError("--rate goes with --format (a WAV stream's header gives its rate)");
        });
    }

    private int RunStream(ParseResult parsed, string source)
    {
        using var input = source == "-" ? Console.OpenStandardInput() : OpenPipe(source);
        var name = source == "-" ? "stdin" : source;
        var reader = parsed.GetValue(_format) is { } format
            ? PcmStreamReader.Raw(input, name, format, parsed.GetValue(_rate)!.Value)
            : PcmStreamReader.Wav(input, name);
        using var recognizer = new EmotionRecognizer(
            TorchFolderEngines.Open(parsed.GetValue(_model)!, parsed.GetValue(_engine), parsed.GetValue(_device)!)
        );
        var json = parsed.GetValue(_json);
        var minConfidence = parsed.GetValue(_minConfidence);
        var stream = recognizer.OpenStream(new StreamOptions { SampleRate = reader.SampleRate });
        var labels = recognizer.Labels;

        void Print(IEnumerable<StreamEvent> events)
        {
            foreach (var e in events)
            {
                if (json)
                {
                    var o = StreamJson.Event(e, labels);
                    if (e is WindowEvent w && w.Confidence < minConfidence)
                        o["label"] = EmotionPrediction.Uncertain;
                    Console.WriteLine(o.ToJsonString());
                }
                else
                {
                    Console.WriteLine(WindowLine(e, minConfidence));
                }
            }
            Console.Out.Flush();
        }

        var buffer = Array.Empty<float>();
        while (true)
        {
            var samples = reader.Read(ref buffer);
            if (samples.IsEmpty)
                break;
            Print(stream.Push(samples));
        }
        if (stream.Seconds == 0)
            throw new EmolinguaException(name, "empty audio (no samples before the end of the stream)");
        var result = stream.Complete();
        Print(result.Events);
        var p = result.Prediction;
        if (json)
        {
            var end = StreamJson.End(p, labels);
            if (p.Label != StreamScorer.Silence)
                end["label"] = p.LabelAt(minConfidence);
            Console.WriteLine(end.ToJsonString());
        }
        else
        {
            Console.WriteLine(
                PredictionText.Line(source, p, labels, minConfidence)
                    + FormattableString.Invariant($"\t{p.DurationSeconds:0.000} s")
            );
        }

        return 0;
    }

    private static FileStream OpenPipe(string path) =>
        File.Exists(path) || new FileInfo(path).Exists
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1)
            : throw new EmolinguaException(path, "no such file or pipe");

    /// <summary>"  start-end  label  confidence  (smoothed label)", times in seconds with 3 decimals.</summary>
    private static string WindowLine(StreamEvent e, double minConfidence)
    {
        var range = string.Create(
            CultureInfo.InvariantCulture,
            $"{e.StartSeconds.ToString("0.000", CultureInfo.InvariantCulture).PadLeft(8)}-{e.EndSeconds:0.000}"
        );
        return e switch
        {
            WindowEvent w =>
                $"{range}  {(w.Confidence < minConfidence ? EmotionPrediction.Uncertain : w.Label).PadRight(9)}  {w.Confidence.ToString("0.000", CultureInfo.InvariantCulture)}  smoothed {w.SmoothedLabel}",
            _ => $"{range}  silence",
        };
    }
}
