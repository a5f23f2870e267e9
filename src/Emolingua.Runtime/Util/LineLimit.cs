namespace Emolingua.Util;

/// <summary>
/// Refuses a text file with a line longer than a bound before any line of it is read: .NET's line readers (and CSV
/// parsers) hold a whole line in memory, so one 100 MB line in a manifest or list would cost hundreds of MB as a
/// string. A path is at most 4096 bytes; a manifest line with every column is far below <see cref="MaxLineBytes"/>.
/// </summary>
internal static class LineLimit
{
    public const int MaxLineBytes = 1 << 20;

    /// <summary>Streams the file once in 64 KB blocks (constant memory); throws naming the file and the line.</summary>
    public static void Require(string path, int maxLineBytes = MaxLineBytes)
    {
        var buffer = new byte[65536];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        long line = 1,
            length = 0;
        int n;
        while ((n = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            var span = buffer.AsSpan(0, n);
            int newline;
            while ((newline = span.IndexOf((byte)'\n')) >= 0)
            {
                if (length + newline > maxLineBytes)
                    break;
                span = span[(newline + 1)..];
                line++;
                length = 0;
            }
            length += newline >= 0 ? newline : span.Length;
            if (length > maxLineBytes)
            {
                throw new EmolinguaException(
                    path,
                    $"line {line} is longer than {maxLineBytes / (1 << 20)} MB: not a list of paths or a manifest"
                );
            }
        }
    }
}
