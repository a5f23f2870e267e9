using System.Text;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>
/// What <c>predict</c> reads from its INPUT arguments: audio files as they are, folders searched recursively for audio
/// (by extension or content, hidden files skipped, sorted by path), and list files: a manifest (.csv with a
/// <c>path</c> column, or .jsonl, as as the manifest corpus reads them) or a text file of one path per line (blank
/// lines and lines starting with # skipped). Paths in a list are relative to the list's folder. Each file is kept
/// once, at its first mention.
/// </summary>
public static class PredictionInputs
{
    /// <summary>The audio files named by <paramref name="inputs"/> (files, folders, list files), each once, in order; a
    /// missing input throws.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string path)
        {
            if (seen.Add(Path.GetFullPath(path)))
                files.Add(path);
        }
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                AudioUnder(input).ForEach(Add);
            else if (!File.Exists(input))
                throw new EmolinguaException(input, "no such file or folder");
            else if (IsList(input))
                ReadList(input).ForEach(Add);
            else
                Add(input);
        }
        return files;
    }

    private static List<string> AudioUnder(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true };
        return Directory
            .EnumerateFiles(folder, "*", options)
            .Where(AudioFile.LooksLikeAudio)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A manifest by its extension, or a file of text that is not audio.</summary>
    private static bool IsList(string path)
    {
        if (AudioFile.LooksLikeAudio(path))
            return false;
        if (Path.GetExtension(path).ToLowerInvariant() is ".csv" or ".jsonl" or ".json" or ".txt" or ".lst" or ".list")
            return true;
        var head = new byte[4096];
        int n;
        using (var file = File.OpenRead(path))
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return n > 0 && Array.IndexOf(head, (byte)0, 0, n) < 0 && IsUtf8(head.AsSpan(0, n));
    }

    /// <summary>Valid UTF-8, allowing a sequence cut off at the end of the sample.</summary>
    private static bool IsUtf8(ReadOnlySpan<byte> bytes)
    {
        for (var cut = 0; cut < 4 && cut < bytes.Length; cut++)
        {
            if (System.Text.Unicode.Utf8.IsValid(bytes[..(bytes.Length - cut)]))
                return true;
        }

        return false;
    }

    private static List<string> ReadList(string list)
    {
        LineLimit.Require(list); // a 100 MB line is refused before it is read into a string
        var folder = Path.GetDirectoryName(list) ?? "";
        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.Combine(folder, p);
        var extension = Path.GetExtension(list).ToLowerInvariant();
        if (extension is ".csv" || ManifestRows.IsJsonLines(list))
        {
            var paths = new List<string>();
            var record = 0;
            foreach (var row in ManifestRows.Read(list))
            {
                record++;
                string? path = null;
                if (row == null || !row.TryGetValue("path", out path) || path.Trim().Length == 0)
                {
                    throw new EmolinguaException(
                        list,
                        $"record {record}: {(row == null ? "not a valid row" : "no path")}"
                    );
                }

                paths.Add(Resolve(path.Trim()));
            }
            return WithoutNul(list, paths);
        }
        return WithoutNul(
            list,
            File.ReadLines(list)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(Resolve)
                .ToList()
        );
    }

    /// <summary>A NUL character cannot be in a path (Path.GetFullPath threw ArgumentException on it: found by
    /// fuzzing).</summary>
    private static List<string> WithoutNul(string list, List<string> paths)
    {
        var bad = paths.FindIndex(p => p.Contains('\0'));
        return bad < 0
            ? paths
            : throw new EmolinguaException(
                list,
                $"entry {bad + 1} holds a NUL character: not a path (is this a list of files?)"
            );
    }
}
