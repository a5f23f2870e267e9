namespace Emolingua.Corpora;

/// <summary>Counts items an adapter skipped, by reason, so nothing is dropped silently. Not thread-safe.</summary>
public sealed class SkipCounter
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Add(string reason, int count = 1) => _counts[reason] = _counts.GetValueOrDefault(reason) + count;

    public int this[string reason] => _counts.GetValueOrDefault(reason);

    public int Total => _counts.Values.Sum();

    /// <summary>Reasons sorted by name (stable output).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Counts =>
        _counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
}

/// <summary>The skip reasons adapters use (keys of <c>corpus --json</c>'s "skipped").</summary>
public static class SkipReasons
{
    public const string UnparsableName = "unparsable file name";
    public const string UnparsableLine = "unparsable line";
    public const string MissingAudio = "missing audio file";
    public const string UnreadableAudio = "unreadable audio header";
    public const string TooShort = "shorter than 0.5 s";
    public const string TooLong = "longer than 12 s";
    public const string InvalidDuration = "invalid duration (negative or not finite)";
    public const string Duplicate = "duplicate utterance";
    public const string NotAudioOnlySpeech = "not audio-only speech";
    public const string LabelMismatch = "label disagrees with folder";
    public const string HiddenFile = "hidden file";
    public const string MissingSpeaker = "missing speaker";

    /// <summary>A label outside angry/happy/neutral/sad, counted per label, e.g. "label calm".</summary>
    public static string Label(string original) => "label " + (original.Length == 0 ? "(empty)" : original);
}
