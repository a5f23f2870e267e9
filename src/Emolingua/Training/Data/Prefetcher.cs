using System.Collections.Concurrent;

namespace Emolingua.Training.Data;

/// <summary>
/// Prepares the plain-array inputs of upcoming steps on background threads (decode, resample, crop) while the
/// training thread runs the model; tensors are made on the training thread only. Results come back in step order.
/// </summary>
public sealed class Prefetcher<T> : IDisposable
{
    private readonly Func<long, T> _prepare;
    private readonly long _end;
    private readonly int _depth;
    private readonly ConcurrentDictionary<long, Task<T>> _pending = new();
    private long _nextToSchedule;

    /// <param name="prepare">Builds step k's inputs; must be a pure function of k (thread-safe).</param>
    public Prefetcher(Func<long, T> prepare, long firstStep, long endStep, int depth = 3)
    {
        _prepare = prepare;
        _end = endStep;
        _depth = Math.Max(1, depth);
        _nextToSchedule = firstStep;
        ScheduleUpTo(firstStep + _depth);
    }

    public T Get(long step)
    {
        ScheduleUpTo(step + _depth + 1);
        if (!_pending.TryRemove(step, out var task))
            task = Task.FromResult(_prepare(step));
        return task.GetAwaiter().GetResult(); // rethrows the original exception (e.g. a corrupt file)
    }

    private void ScheduleUpTo(long until)
    {
        for (; _nextToSchedule < Math.Min(until, _end); _nextToSchedule++)
        {
            var k = _nextToSchedule;
            _pending[k] = Task.Run(() => _prepare(k));
        }
    }

    public void Dispose()
    {
        foreach (var t in _pending.Values)
        {
            try
            {
                t.Wait();
            }
            catch (AggregateException) { }
        }

        _pending.Clear();
    }
}
