namespace Emolingua.Util;

/// <summary>
/// Writes files so that a reader (or a crash) never sees half of one: write to a temp file, then rename. The temp name
/// is unique per call, so concurrent writers of the same file (threads of one process, or tasks on several hosts of a
/// shared file system, where PIDs repeat) never write into each other's temp file; the last rename wins whole.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/> into a temporary file beside <paramref name="path"/>, then
    /// renames it; on an exception nothing is left.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
                File.Delete(tmp);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark), atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, s =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            s.Write(bytes);
        });

    /// <summary>Writes <paramref name="bytes"/>, atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));
}
