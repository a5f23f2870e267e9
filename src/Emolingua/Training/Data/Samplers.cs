using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Training.Data;

/// <summary>
/// Batch samplers whose batch for step k is a pure function of (seed, k): resuming at step k needs no sampler state,
/// and a run interrupted at any moment continues with exactly the batches an uninterrupted run would have drawn.
/// </summary>
public interface IBatchSampler
{
    /// <summary>Indices into the sampler's utterance list for step <paramref name="step"/>.</summary>
    int[] Batch(long step);
}

public static class StepRandom
{
    /// <summary>A System.Random-independent generator for (seed, stream, step): SplitMix64-mixed, stable
    /// forever.</summary>
    public static Random For(int seed, string stream, long step) =>
        new(unchecked((int)Mix((ulong)seed, Hash(stream), (ulong)step)));

    public static ulong Mix(params ulong[] values)
    {
        var h = Folds.SplitMix64.Increment;
        foreach (var v in values)
        {
            h ^= v + Folds.SplitMix64.Increment + (h << 6) + (h >> 2);
            h = Folds.SplitMix64.Mix(h + Folds.SplitMix64.Increment);
        }
        return h;
    }

    public static ulong Hash(string s)
    {
        var h = 1469598103934665603UL; // FNV-1a
        foreach (var c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    /// <summary>Element <paramref name="position"/> of an endless sequence of seeded permutations of 0..n-1.</summary>
    public static int EndlessPermutation(int seed, string stream, int n, long position)
    {
        var cycle = position / n;
        var perm = Permutation(seed, stream, n, cycle);
        return perm[position % n];
    }

    public static int[] Permutation(int seed, string stream, int n, long cycle)
    {
        var rng = For(seed, stream, cycle);
        var perm = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }
}

/// <summary>Class-balanced batches: batchSize / 4 utterances of each emotion, each class cycling through its own
/// permutations.</summary>
public sealed class ClassBalancedSampler : IBatchSampler
{
    private readonly int[][] _byClass;
    private readonly int _perClass;
    private readonly int _seed;
    private readonly Dictionary<(int Class, long Cycle), int[]> _cache = new();

    public ClassBalancedSampler(IReadOnlyList<Utterance> utterances, int batchSize, int seed, string what)
    {
        var classes = Emotions.All.Count;
        if (batchSize % classes != 0)
            throw new EmolinguaException($"{what}: batch size {batchSize} is not a multiple of {classes} classes");
        _perClass = batchSize / classes;
        _seed = seed;
        _byClass = Emotions
            .All.Select(e => utterances.Select((u, i) => (u, i)).Where(x => x.u.Label == e).Select(x => x.i).ToArray())
            .ToArray();
        for (var c = 0; c < classes; c++)
        {
            if (_byClass[c].Length == 0)
                throw new EmolinguaException($"{what}: no '{Emotions.All[c].Name()}' utterances to train on");
        }
    }

    public int[] Batch(long step)
    {
        var batch = new int[_perClass * _byClass.Length];
        for (var c = 0; c < _byClass.Length; c++)
        {
            var n = _byClass[c].Length;
            for (var j = 0; j < _perClass; j++)
            {
                var position = step * _perClass + j;
                var cycle = position / n;
                int[]? perm;
                lock (_cache) // the prefetcher asks for several steps at once
                {
                    if (!_cache.TryGetValue((c, cycle), out perm))
                    {
                        if (_cache.Count > 64)
                            _cache.Clear();
                        perm = _cache[(c, cycle)] = StepRandom.Permutation(_seed, "class" + c, n, cycle);
                    }
                }
                batch[c * _perClass + j] = _byClass[c][perm[position % n]];
            }
        }
        return batch;
    }
}

/// <summary>
/// The paper's contrastive batches: <c>speakers</c> distinct speakers, each with <c>perSpeaker</c> distinct utterances
/// (drawn without replacement), ordered speaker by speaker. Only speakers with enough utterances take part.
/// </summary>
public sealed class SpeakerBatchSampler : IBatchSampler
{
    private readonly int[][] _bySpeaker;
    private readonly int _speakers,
        _perSpeaker,
        _seed;

    public SpeakerBatchSampler(IReadOnlyList<Utterance> utterances, int speakers, int perSpeaker, int seed, string what)
    {
        _speakers = speakers;
        _perSpeaker = perSpeaker;
        _seed = seed;
        _bySpeaker = utterances
            .Select((u, i) => (u, i))
            .Where(x => x.u.HasKnownSpeaker)
            .GroupBy(x => x.u.Speaker, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Select(x => x.i).ToArray())
            .Where(g => g.Length >= perSpeaker)
            .ToArray();
        if (_bySpeaker.Length < speakers)
        {
            throw new EmolinguaException(
                $"{what}: only {_bySpeaker.Length} speakers have at least {perSpeaker} utterances; a batch needs {speakers}"
            );
        }
    }

    public int EligibleSpeakers => _bySpeaker.Length;

    public int[] Batch(long step)
    {
        var rng = StepRandom.For(_seed, "speakers", step);
        var chosen = Sample(rng, _bySpeaker.Length, _speakers);
        var batch = new int[_speakers * _perSpeaker];
        for (var s = 0; s < chosen.Length; s++)
        {
            var pool = _bySpeaker[chosen[s]];
            var picks = Sample(rng, pool.Length, _perSpeaker);
            for (var j = 0; j < _perSpeaker; j++)
                batch[s * _perSpeaker + j] = pool[picks[j]];
        }
        return batch;
    }

    /// <summary>k distinct values of 0..n-1 (partial Fisher–Yates).</summary>
    private static int[] Sample(Random rng, int n, int k)
    {
        var a = Enumerable.Range(0, n).ToArray();
        for (var i = 0; i < k; i++)
        {
            var j = i + rng.Next(n - i);
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a[..k];
    }
}

/// <summary>Uniform batches cycling through seeded permutations of all utterances (labels ignored).</summary>
public sealed class UniformSampler : IBatchSampler
{
    private readonly int _count,
        _batchSize,
        _seed;
    private readonly string _stream;

    public UniformSampler(int count, int batchSize, int seed, string stream, string what)
    {
        if (count == 0)
            throw new EmolinguaException($"{what}: no utterances");
        _count = count;
        _batchSize = batchSize;
        _seed = seed;
        _stream = stream;
    }

    public int[] Batch(long step)
    {
        var batch = new int[_batchSize];
        for (var j = 0; j < _batchSize; j++)
            batch[j] = StepRandom.EndlessPermutation(_seed, _stream, _count, step * _batchSize + j);
        return batch;
    }
}
