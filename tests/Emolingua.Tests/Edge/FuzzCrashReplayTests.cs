using Emolingua.Fuzz;

namespace Emolingua.Tests.Edge;

/// <summary>
/// Every input afl-fuzz ever crashed or hung a harness with (minimised into tests/fuzz/crashes/TARGET/ by
/// scripts/fuzz.sh), and every seed, replayed through the same harness without instrumentation: each must give a
/// result or a documented clean error within the 2 s bound and the allocation bound. So a fixed crash stays fixed.
/// </summary>
public class FuzzCrashReplayTests
{
    private static string FuzzRoot => Path.Combine(AppContext.BaseDirectory, "fuzz");

    public static TheoryData<string, string> Inputs(string kind)
    {
        var data = new TheoryData<string, string>();
        var root = Path.Combine(FuzzRoot, kind);
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
        }

        return data;
    }

    public static TheoryData<string, string> Crashes => Inputs("crashes");
    public static TheoryData<string, string> Seeds => Inputs("seeds");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Warm = new();

    /// <summary>The first input of a target pays for JIT and (upload) the model's creation: run a seed once, untimed,
    /// as afl-fuzz's fork server does.</summary>
    private static void WarmUp(string target) => Warm.GetOrAdd(target, t =>
        {
            FuzzTargets.Run(
                t,
                File.ReadAllBytes(
                    Directory.GetFiles(Path.Combine(FuzzRoot, "seeds", t)).Order(StringComparer.Ordinal).First()
                )
            );
            return true;
        });

    [Theory]
    [MemberData(nameof(Crashes))]
    public void Crash_found_by_fuzzing_stays_fixed(string target, string file)
    {
        WarmUp(target);
        FuzzTargets.Replay(target, File.ReadAllBytes(Path.Combine(FuzzRoot, "crashes", target, file)));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Seed_is_accepted_under_the_contract(string target, string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(FuzzRoot, "seeds", target, file));
        Assert.True(bytes.Length < 64 * 1024, $"seed {target}/{file} is {bytes.Length} bytes (seeds stay under 64 KB)");
        WarmUp(target);
        FuzzTargets.Replay(target, bytes);
    }

    [Fact]
    public void Every_target_has_seeds() =>
        Assert.Equal(
            FuzzTargets.All.Keys.Order(),
            Directory.GetDirectories(Path.Combine(FuzzRoot, "seeds")).Select(Path.GetFileName).Order()
        );

    /// <summary>The harness contract itself: an unexpected exception escapes it, a documented error does not.</summary>
    [Fact]
    public void Harness_reports_what_breaks_the_contract()
    {
        // A multipart body cut before its closing boundary: the first crash the upload campaign found (it was a 500).
        byte[] cut = [1, .. "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF"u8];
        WarmUp("upload");
        FuzzTargets.Replay("upload", cut);
        Assert.Throws<ContractViolation>(() => FuzzTargets.Replay("no-such-target", [1, 2, 3]));
    }
}
