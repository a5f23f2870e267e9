using Quickenshtein;

namespace Emolingua.Util;

/// <summary>The nearest known name to a misspelt one, for "did you mean ..." in error messages.</summary>
public static class DidYouMean
{
    /// <summary>The candidate closest to <paramref name="input"/> by edit distance (case-insensitive), if close enough
    /// to be a typo.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        // A third of the word, at least one and at most three edits: "emodbb" → "emodb", "learning_rat" →
        // "learning_rate", but "lr" is not "uar".
        var allowed = Math.Clamp(input.Length / 3, 1, 3);
        var best = candidates
            .Select(c => (Name: c, Distance: Levenshtein.GetDistance(input.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name != null && best.Distance <= allowed ? best.Name : null;
    }

    /// <summary>" (did you mean 'x'?)", or "" when nothing is close.</summary>
    public static string Hint(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } c ? $" (did you mean '{c}'?)" : "";
}
