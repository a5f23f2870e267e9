namespace Emolingua.Util;

/// <summary>
/// Replaces a whole folder so that readers see either the old or the new contents: the new contents are written
/// into a sibling temp folder, the old folder is renamed aside, the new one renamed in, the old one deleted.
/// A crash between the two renames leaves "NAME.old", which <see cref="Recover"/> puts back.
/// </summary>
public static class AtomicFolder
{
    public static void Write(string folder, Action<string> fill)
    {
        folder = Path.GetFullPath(folder.TrimEnd('/'));
        Recover(folder);
        var tmp = folder + $".tmp-{Environment.ProcessId}";
        var old = folder + ".old";
        if (Directory.Exists(tmp))
            Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        fill(tmp);
        if (Directory.Exists(folder))
            Directory.Move(folder, old);
        Directory.Move(tmp, folder);
        if (Directory.Exists(old))
            Directory.Delete(old, true);
    }

    /// <summary>After a crash between the renames, restores the previous complete folder.</summary>
    public static void Recover(string folder)
    {
        folder = Path.GetFullPath(folder.TrimEnd('/'));
        var old = folder + ".old";
        if (!Directory.Exists(folder) && Directory.Exists(old))
            Directory.Move(old, folder);
        else if (Directory.Exists(folder) && Directory.Exists(old))
            Directory.Delete(old, true);
    }
}
