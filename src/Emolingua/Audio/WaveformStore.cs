using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Emolingua.Audio;

/// <summary>
/// Mono waveforms by file path at one sample rate (Whisper's 16 kHz for every caller), decoded and resampled once.
/// Keeps a bounded in-memory cache (least recently used first out) and, when a cache folder is given, raw float32
/// copies on disk so later runs skip decoding.
/// Thread-safe: the prefetcher decodes on background threads (plain arrays only, no tensors).
/// </summary>
public sealed class WaveformStore
{
    private readonly string? _diskCache;
    private readonly int _sampleRate;
    private readonly long _memoryBudgetBytes;
    private readonly ConcurrentDictionary<string, float[]> _memory = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private long _memoryBytes;

    public WaveformStore(int sampleRate, string? diskCacheFolder = null, long memoryBudgetBytes = 1L << 30)
    {
        _sampleRate = sampleRate;
        _diskCache = diskCacheFolder;
        _memoryBudgetBytes = memoryBudgetBytes;
        if (_diskCache != null)
            Directory.CreateDirectory(_diskCache);
    }

    public float[] Get(string path)
    {
        if (_memory.TryGetValue(path, out var cached))
            return cached;
        var samples = LoadFromDisk(path) ?? Decode(path);
        if (_memory.TryAdd(path, samples))
        {
            _order.Enqueue(path);
            Interlocked.Add(ref _memoryBytes, samples.Length * 4L);
            while (Interlocked.Read(ref _memoryBytes) > _memoryBudgetBytes && _order.TryDequeue(out var old))
            {
                if (_memory.TryRemove(old, out var evicted))
                    Interlocked.Add(ref _memoryBytes, -evicted.Length * 4L);
            }
        }
        return samples;
    }

    private float[] Decode(string path)
    {
        var samples = AudioFile.Read(path, _sampleRate).Samples;
        if (_diskCache != null)
        {
            var file = CachePath(path);
            var bytes = new byte[samples.Length * 4];
            Buffer.BlockCopy(samples, 0, bytes, 0, bytes.Length);
            Util.AtomicFile.WriteAllBytes(file, bytes);
        }
        return samples;
    }

    private float[]? LoadFromDisk(string path)
    {
        if (_diskCache == null)
            return null;
        var file = CachePath(path);
        if (!File.Exists(file))
            return null;
        var bytes = File.ReadAllBytes(file);
        var samples = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * 4);
        return samples;
    }

    /// <summary>The cache key covers the path, size and modification time, so an edited file is decoded
    /// again.</summary>
    private string CachePath(string path)
    {
        var info = new FileInfo(path);
        var key = $"{Path.GetFullPath(path)}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24].ToLowerInvariant();
        return Path.Combine(_diskCache!, hash[..2], hash + ".f32");
    }
}
