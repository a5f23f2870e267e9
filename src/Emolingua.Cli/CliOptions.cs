using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Emolingua.Features;
using Emolingua.Models.Onnx;
using TorchSharp;

namespace Emolingua.Cli;

/// <summary>
/// Options shared by several commands, and typed options whose values are checked while parsing (numbers in the
/// invariant culture, minimums, window lengths), so that a bad value is a parse error naming the option.
/// </summary>
public static class CliOptions
{
    /// <summary>The shortest window: one 25 ms FFT window.</summary>
    public const double MinSeconds = 0.025;
    public const double MaxSeconds = 30;

    public static Option<string> RequiredPath(string name, string helpName, string description) =>
        new(name)
        {
            Required = true,
            HelpName = helpName,
            Description = description,
        };

    public static Option<string?> OptionalPath(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description };

    /// <summary>
    /// Refuses a value of <paramref name="option"/> that is not a corpus given as KIND=ROOT (a kind before the first
    /// '='), with a parse error naming the option and showing <paramref name="example"/>.
    /// </summary>
    public static void RequireCorpusSpec(Option option, string example) =>
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>() ?? "";
            if (value.IndexOf('=') <= 0)
                r.AddError($"option {option.Name} '{value}': expected KIND=ROOT, e.g. {example}");
        });

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>An integer with a default; values below <paramref name="min"/> are refused.</summary>
    public static Option<int> Int(string name, int defaultValue, string description, int min = int.MinValue) =>
        new(name)
        {
            HelpName = "N",
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseNumber(r, name, "integer", s => int.Parse(s, CultureInfo.InvariantCulture), min),
        };

    /// <summary>An integer that may be absent (null); values below <paramref name="min"/> are refused.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = int.MinValue) =>
        new(name)
        {
            HelpName = "N",
            Description = description,
            CustomParser = r => ParseNumber(r, name, "integer", s => int.Parse(s, CultureInfo.InvariantCulture), min),
        };

    public static Option<double> Double(string name, double defaultValue, string description) =>
        new(name)
        {
            HelpName = "X",
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
                ParseNumber(
                    r,
                    name,
                    "number",
                    s => double.Parse(s, CultureInfo.InvariantCulture),
                    double.NegativeInfinity
                ),
        };

    /// <summary>
    /// A window length in seconds within [<see cref="MinSeconds"/>, <see cref="MaxSeconds"/>]; required unless a
    /// default is given. <paramref name="encoder"/>: the window feeds the Whisper encoder, whose conv stride of 2 needs
    /// an even number of log-mel frames.
    /// </summary>
    public static Option<double> Seconds(string description, double? defaultValue = null, bool encoder = false)
    {
        var option = new Option<double>("--seconds")
        {
            HelpName = "S",
            Description = description,
            Required = defaultValue == null,
            CustomParser = r =>
            {
                var seconds = ParseNumber(
                    r,
                    "--seconds",
                    "number",
                    s => double.Parse(s, CultureInfo.InvariantCulture),
                    double.NegativeInfinity
                );
                if (r.Errors.Any())
                    return seconds;
                var problem = SecondsProblem(seconds, encoder);
                if (problem != null)
                    r.AddError($"option --seconds: '{r.Tokens[0].Value}' {problem}");
                return seconds;
            },
        };
        if (defaultValue is { } d)
            option.DefaultValueFactory = _ => d;
        return option;
    }

    /// <summary>Why a window length is refused, or null when it is fine.</summary>
    public static string? SecondsProblem(double seconds, bool encoder)
    {
        if (!(seconds >= MinSeconds && seconds <= MaxSeconds))
            return $"must be between {MinSeconds} and {MaxSeconds} seconds";
        if (encoder && WhisperAudio.FramesFor(seconds) % 2 != 0)
            return $"gives {WhisperAudio.FramesFor(seconds)} log-mel frames; the encoder needs an even number (use a multiple of 0.02 s)";
        return null;
    }

    /// <summary>--precision fp32|bf16 (fp32 by default); whether this CPU may run bf16 is checked by the command
    /// (Precisions.Require).</summary>
    public static Option<Emolingua.Util.Precision> Precision() =>
        new("--precision")
        {
            HelpName = "fp32|bf16",
            Description = "number format of the model's products (bf16 only on CPUs with native bfloat16)",
            DefaultValueFactory = _ => Emolingua.Util.Precision.Fp32,
            CustomParser = r => ParsePrecision(r) ?? Emolingua.Util.Precision.Fp32,
        };

    /// <summary>--precision fp32|bf16 without a default: null when not given (train: the recipe's setting
    /// stands).</summary>
    public static Option<Emolingua.Util.Precision?> OptionalPrecision(string description) =>
        new("--precision")
        {
            HelpName = "fp32|bf16",
            Description = description,
            CustomParser = ParsePrecision,
        };

    private static Emolingua.Util.Precision? ParsePrecision(ArgumentResult r)
    {
        try
        {
            return Emolingua.Util.Precisions.Parse(r.Tokens.FirstOrDefault()?.Value, "--precision");
        }
        catch (Emolingua.Util.EmolinguaException e)
        {
            r.AddError("option " + e.Message);
            return null;
        }
    }

    /// <summary>
    /// The CPU as a device made without touching <c>torch.CPU</c>, whose first use loads libtorch: commands that run an
    /// ONNX model parse --device too and must work where libtorch is absent (the dotnet tool).
    /// </summary>
    private static readonly torch.Device Cpu = new(DeviceType.CPU);

    /// <summary>--device cpu|cuda; cuda is refused up front when this build or machine has no CUDA.</summary>
    public static Option<torch.Device> Device() =>
        new("--device")
        {
            HelpName = "cpu|cuda",
            Description = "where tensors live",
            DefaultValueFactory = _ => Cpu,
            CustomParser = r =>
            {
                var name = r.Tokens.FirstOrDefault()?.Value;
                switch (name)
                {
                    case "cpu":
                        return Cpu;
                    case "cuda" when torch.cuda.is_available():
                        return torch.CUDA;
                    case "cuda":
                        r.AddError(
                            "option --device cuda: CUDA is not available (this build uses the CPU libtorch; rebuild with -p:EmolinguaCuda=true on a CUDA machine)"
                        );
                        return torch.CPU;
                    default:
                        r.AddError($"option --device: '{name}': cpu or cuda");
                        return torch.CPU;
                }
            },
        };

    /// <summary>--quantize: absent (float32) or int8 (dynamically quantized ONNX, see OnnxExport).</summary>
    public static Option<OnnxQuantization> Quantize() =>
        new("--quantize")
        {
            HelpName = "int8",
            Description = "int8: the encoder's matrix products dynamically quantized (default: float32)",
            DefaultValueFactory = _ => OnnxQuantization.None,
            CustomParser = r =>
            {
                var name = r.Tokens.FirstOrDefault()?.Value;
                if (name == "int8")
                    return OnnxQuantization.Int8;
                r.AddError($"option --quantize: '{name}' is not supported (int8)");
                return OnnxQuantization.None;
            },
        };

    private static T ParseNumber<T>(ArgumentResult r, string name, string kind, Func<string, T> parse, T min)
        where T : IComparable<T>
    {
        if (r.Tokens.Count == 0)
            return default!; // the parser reports the missing value
        var s = r.Tokens[0].Value;
        try
        {
            var value = parse(s);
            if (value.CompareTo(min) < 0)
                r.AddError($"option {name}: {s} must be at least {min.ToString()}");
            return value;
        }
        catch (FormatException)
        {
            r.AddError($"option {name}: '{s}' is not a valid {kind}");
        }
        catch (OverflowException)
        {
            r.AddError($"option {name}: '{s}' is out of range");
        }
        return default!;
    }
}
