using System.Diagnostics;
using Emolingua.Server;
using Emolingua.Util;

namespace Emolingua.Fuzz;

/// <summary>Input that broke the harness contract other than by throwing: too slow or too much memory.</summary>
public sealed class ContractViolation(string message) : Exception(message);

/// <summary>
/// Every fuzz target by name, and the contract each input is held to: it gives a result or a documented clean error
/// (an <see cref="EmolinguaException"/> with a message, or, for the service, an <see cref="ApiError"/> with a 4xx
/// status); anything else escaping is a crash. Inputs also must not allocate more than <see cref="AllocationBound"/>
/// (counted by the GC, so a header that makes a reader allocate gigabytes fails here even when the machine has them).
/// The 2 s time bound is afl-fuzz's -t under fuzz.sh and <see cref="Replay"/>'s watchdog in the tests.
/// </summary>
public static class FuzzTargets
{
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(2);

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["wav"] = AudioTargets.Wav,
        ["mp3"] = AudioTargets.Mp3,
        ["audio"] = AudioTargets.ByContent,
        ["safetensors"] = ModelTargets.SafeTensors,
        ["model-json"] = ModelTargets.ModelJson,
        ["onnx"] = ModelTargets.OnnxMetadata,
        ["recipe"] = TextTargets.Recipe,
        ["predict-list"] = TextTargets.PredictList,
        ["upload"] = UploadTarget.Run,
    };

    /// <summary>Bytes an input may make the code allocate: 64 MB plus 512 per input byte (a decoder's float samples,
    /// resampled, and its copies).</summary>
    public static long AllocationBound(int inputLength) => (64L << 20) + 512L * inputLength;

    /// <summary>Runs one input under the contract: returns when it is honoured, throws otherwise.</summary>
    public static void Run(string target, byte[] data)
    {
        if (!All.TryGetValue(target, out var action))
            throw new ArgumentException($"unknown fuzz target '{target}' (one of {string.Join(", ", All.Keys)})");
        var before = GC.GetTotalAllocatedBytes(precise: false);
        try
        {
            action(data);
        }
        catch (EmolinguaException e) when (e.Message.Length > 0) { }
        catch (ApiError e) when (e.Status is >= 400 and < 500 && e.Message.Length > 0) { }
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        if (allocated > AllocationBound(data.Length))
        {
            throw new ContractViolation(
                $"{target}: a {data.Length}-byte input allocated {allocated / 1e6:0.#} MB (bound {AllocationBound(data.Length) / 1e6:0.#} MB)"
            );
        }
    }

    /// <summary>
    /// <see cref="Run"/> with the time bound enforced in process (for the replay tests, where afl-fuzz's timeout is
    /// absent): the input runs on its own thread, and one still running after the bound is reported, not waited for.
    /// </summary>
    public static void Replay(string target, byte[] data, TimeSpan? bound = null)
    {
        Exception? failure = null;
        var watch = Stopwatch.StartNew();
        var thread = new Thread(
            () =>
            {
                try
                {
                    Run(target, data);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            64 << 20
        )
        {
            IsBackground = true,
        };
        thread.Start();
        var limit = bound ?? TimeBound;
        if (!thread.Join(limit))
            throw new ContractViolation($"{target}: still running after {limit.TotalSeconds:0.#} s (a hang)");
        if (failure != null)
        {
            throw new ContractViolation(
                $"{target}: {failure.GetType().Name} after {watch.ElapsedMilliseconds} ms: {failure}"
            );
        }
    }

    /// <summary>A scratch folder for the targets that read files (on /dev/shm when it exists: every execution writes
    /// there).</summary>
    internal static string Scratch { get; } = CreateScratch();

    private static string CreateScratch()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Path.Combine(root, $"emolingua-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException) { }
        };
        return dir;
    }

    /// <summary>Writes <paramref name="data"/> to a file of the scratch folder and returns its path.</summary>
    internal static string WriteScratch(string name, ReadOnlySpan<byte> data)
    {
        var path = Path.Combine(Scratch, name);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>Splits an input at zero bytes into at most <paramref name="parts"/> parts (the last keeps the rest),
    /// for targets that read several files.</summary>
    internal static byte[][] Split(byte[] data, int parts)
    {
        var result = new List<byte[]>();
        var start = 0;
        while (result.Count < parts - 1)
        {
            var zero = Array.IndexOf(data, (byte)0, start);
            if (zero < 0)
                break;
            result.Add(data[start..zero]);
            start = zero + 1;
        }
        result.Add(data[start..]);
        while (result.Count < parts)
            result.Add([]);
        return result.ToArray();
    }
}
