using System.Collections.Concurrent;

namespace Emolingua.Server;

/// <summary>
/// A fixed set of long-lived threads for decoding and classifying (as many as requests may run at once). A new thread
/// per request (TaskCreationOptions.LongRunning, as before) made the server's RSS climb under load: native code keeps
/// state per thread that outlives it (MKL's per-thread buffers are freed only by mkl_thread_free_buffers on that
/// thread, and each new thread may land on another glibc arena, which keeps its free memory). Long-lived threads
/// reuse theirs. The pool threads are background threads, so they never hold the process open.
/// </summary>
internal sealed class InferenceThreads : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread[] _threads;

    public InferenceThreads(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _threads = Enumerable
            .Range(0, count)
            .Select(i => new Thread(Work) { IsBackground = true, Name = $"emolingua-inference-{i}" })
            .ToArray();
        foreach (var t in _threads)
            t.Start();
    }

    private void Work()
    {
        foreach (var item in _work.GetConsumingEnumerable())
            item();
    }

    /// <summary>Runs <paramref name="work"/> on a pool thread; its exception, if any, comes back through the
    /// task.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancel)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(
            () =>
            {
                if (cancel.IsCancellationRequested)
                {
                    result.TrySetCanceled(cancel);
                    return;
                }
                try
                {
                    result.TrySetResult(work());
                }
                catch (Exception e)
                {
                    result.TrySetException(e);
                }
            },
            cancel
        );
        return result.Task;
    }

    public void Dispose() => _work.CompleteAdding();
}
