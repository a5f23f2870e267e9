using System.Text;
using System.Text.Json;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// RUN_DIR/cell.lock: the claim of one process on one cell, so that two tasks reaching the same cell (a resubmission
/// while the first still runs, a task started by hand) never train into the same folder at once. Created with
/// O_CREAT|O_EXCL, which is atomic on local and NFS (v3+) file systems, and holds its owner as JSON. A lock whose
/// owner is gone (<see cref="CellOwner.IsAlive"/>: Slurm's job state, or the PID on this host) is broken under a
/// second exclusive file, cell.lock.break, so that two claimants never both break it and both win.
/// </summary>
public sealed class CellClaim : IDisposable
{
    public const string FileName = "cell.lock";
    private static readonly TimeSpan Young = TimeSpan.FromSeconds(60);

    private readonly string _path;
    private readonly string _content;
    private bool _released;

    private CellClaim(string path, string content)
    {
        _path = path;
        _content = content;
    }

    public static string PathOf(string runDir) => Path.Combine(runDir, FileName);

    /// <summary>Claims the cell, or returns null with the live owner in <paramref name="holder"/> (null if
    /// unreadable).</summary>
    public static CellClaim? TryAcquire(string runDir, CellOwner me, SlurmCommands slurm, out CellOwner? holder)
    {
        Directory.CreateDirectory(runDir);
        var path = PathOf(runDir);
        var content = JsonSerializer.Serialize(me, Json.Indented) + "\n";
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (TryCreate(path, content))
            {
                holder = null;
                return new CellClaim(path, content);
            }
            var (text, age) = TryRead(path);
            if (text == null)
                continue; // released meanwhile
            holder = Parse(text);
            // An unreadable lock is being written right now, unless it is old (its writer died mid-write).
            if (holder == null ? age < Young : holder.IsAlive(slurm.JobStateProbe, me))
                return null;
            BreakStale(path, text);
        }
        throw new EmolinguaException(path, "could not claim the cell: its lock keeps changing hands");
    }

    /// <summary>The owner named in a run folder's lock, or null when there is none.</summary>
    public static CellOwner? ReadOwner(string runDir) => TryRead(PathOf(runDir)).Text is { } text ? Parse(text) : null;

    private static bool TryCreate(string path, string content)
    {
        try
        {
            using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            f.Write(Encoding.UTF8.GetBytes(content));
            f.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    private static (string? Text, TimeSpan Age) TryRead(string path)
    {
        try
        {
            return (File.ReadAllText(path), DateTime.UtcNow - File.GetLastWriteTimeUtc(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, TimeSpan.Zero);
        }
    }

    private static CellOwner? Parse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<CellOwner>(text, Json.Indented);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Deletes the stale lock if it still holds what was judged stale, under an exclusive breaker
    /// file.</summary>
    private static void BreakStale(string path, string staleText)
    {
        var breaker = path + ".break";
        if (!TryCreate(breaker, $"{Environment.MachineName} {Environment.ProcessId}\n"))
        {
            // Another claimant is breaking it; a breaker left by a crash is removed once old.
            var (_, age) = TryRead(breaker);
            if (age > Young)
                File.Delete(breaker);
            Thread.Sleep(200);
            return;
        }
        try
        {
            if (TryRead(path).Text == staleText)
                File.Delete(path);
        }
        finally
        {
            File.Delete(breaker);
        }
    }

    /// <summary>Releases the claim (only if the lock is still this claim's).</summary>
    public void Dispose()
    {
        if (_released)
            return;
        _released = true;
        if (TryRead(_path).Text == _content)
            File.Delete(_path);
    }
}
