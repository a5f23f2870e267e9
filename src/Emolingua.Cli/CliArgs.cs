using System.Globalization;
using Emolingua.Util;

namespace Emolingua.Cli;

/// <summary>
/// A small argument reader: a command asks for its options and flags by name (each consumed once),
/// then for the positional arguments; anything left that looks like an option is an error.
/// Accepts "--name value" and "--name=value".
/// </summary>
public sealed class CliArgs
{
    private readonly List<string> _tokens;
    private readonly bool[] _used;
    public string CommandName { get; }

    public CliArgs(string commandName, IEnumerable<string> tokens)
    {
        CommandName = commandName;
        _tokens = new List<string>();
        foreach (var t in tokens)
        {
            int eq = t.IndexOf('=');
            if (t.StartsWith("--") && eq > 2) { _tokens.Add(t[..eq]); _tokens.Add(t[(eq + 1)..]); }
            else _tokens.Add(t);
        }
        _used = new bool[_tokens.Count];
    }

    public bool Flag(string name)
    {
        bool found = false;
        for (int i = 0; i < _tokens.Count; i++)
            if (!_used[i] && _tokens[i] == name) { _used[i] = true; found = true; }
        return found;
    }

    /// <summary>All values of a repeatable option, in order.</summary>
    public List<string> Options(string name)
    {
        var values = new List<string>();
        for (int i = 0; i < _tokens.Count; i++)
        {
            if (_used[i] || _tokens[i] != name) continue;
            if (i + 1 >= _tokens.Count || _used[i + 1])
                throw new EmolinguaException($"{CommandName}: option {name} needs a value");
            _used[i] = _used[i + 1] = true;
            values.Add(_tokens[i + 1]);
        }
        return values;
    }

    public string? Option(string name)
    {
        var values = Options(name);
        if (values.Count > 1) throw new EmolinguaException($"{CommandName}: option {name} given {values.Count} times");
        return values.Count == 0 ? null : values[0];
    }

    public string Required(string name) =>
        Option(name) ?? throw new EmolinguaException($"{CommandName}: missing required option {name}");

    public int Int(string name, int fallback) => Parse(name, fallback, s => int.Parse(s, CultureInfo.InvariantCulture));

    public int? IntOrNull(string name)
    {
        var s = Option(name);
        return s == null ? null : ParseValue(name, s, v => int.Parse(v, CultureInfo.InvariantCulture));
    }

    public double Double(string name, double fallback) => Parse(name, fallback, s => double.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>A window length in seconds: required unless <paramref name="fallback"/> is given, and within [0.025 (one FFT window), 30].</summary>
    /// <param name="encoder">The window feeds the Whisper encoder, whose conv stride of 2 needs an even number of log-mel frames.</param>
    public double Seconds(string name = "--seconds", double? fallback = null, bool encoder = false)
    {
        var s = Option(name);
        if (s == null) return fallback ?? throw new EmolinguaException($"{CommandName}: missing required option {name}");
        double seconds = ParseValue(name, s, v => double.Parse(v, CultureInfo.InvariantCulture));
        if (!(seconds >= MinSeconds && seconds <= 30))
            throw new EmolinguaException($"{CommandName}: option {name}: '{s}' must be between {MinSeconds} and 30 seconds");
        if (encoder && Features.WhisperAudio.FramesFor(seconds) % 2 != 0)
            throw new EmolinguaException($"{CommandName}: option {name}: '{s}' gives {Features.WhisperAudio.FramesFor(seconds)} log-mel frames; the encoder needs an even number (use a multiple of 0.02 s)");
        return seconds;
    }

    public const double MinSeconds = 0.025;

    /// <summary>An integer option that must be at least <paramref name="min"/>.</summary>
    public int Int(string name, int fallback, int min)
    {
        int value = Int(name, fallback);
        if (value < min) throw new EmolinguaException($"{CommandName}: option {name}: {value} must be at least {min}");
        return value;
    }

    private T Parse<T>(string name, T fallback, Func<string, T> parse)
    {
        var s = Option(name);
        return s == null ? fallback : ParseValue(name, s, parse);
    }

    private T ParseValue<T>(string name, string s, Func<string, T> parse)
    {
        try { return parse(s); }
        catch (FormatException) { throw new EmolinguaException($"{CommandName}: option {name}: '{s}' is not a valid {typeof(T).Name.ToLowerInvariant()}"); }
        catch (OverflowException) { throw new EmolinguaException($"{CommandName}: option {name}: '{s}' is out of range"); }
    }

    /// <summary>Consumes the first argument when it is not an option (a sub-verb such as "bench logmel").</summary>
    public string? Subcommand()
    {
        if (_tokens.Count == 0 || _used[0] || _tokens[0].StartsWith("--")) return null;
        _used[0] = true;
        return _tokens[0];
    }

    /// <summary>The arguments not consumed as options; call after reading every option.</summary>
    public List<string> Positionals()
    {
        var rest = new List<string>();
        for (int i = 0; i < _tokens.Count; i++)
        {
            if (_used[i]) continue;
            if (_tokens[i].StartsWith("--") && _tokens[i].Length > 2)
                throw new EmolinguaException($"{CommandName}: unknown option {_tokens[i]} (see ./emolingua help {CommandName})");
            rest.Add(_tokens[i]);
        }
        return rest;
    }
}
