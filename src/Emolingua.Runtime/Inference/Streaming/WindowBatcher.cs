namespace Emolingua.Inference;

/// <summary>
/// Classifies the windows of many live streams on one thread of its own: whatever windows are waiting when the engine
/// becomes free (up to <see cref="MaxBatch"/>, in arrival order) go into one engine call. With 1 every window is its
/// own call. The engine is used by this thread only, and the callers' threads (a web server's few pool threads) never
/// block on it.
/// </summary>
public sealed class WindowBatcher : IDisposable
{
    private readonly Func<IReadOnlyList<float[]>, float[][]> _classify;
    private readonly Queue<(float[] Window, TaskCompletionSource<float[]> Done)> _waiting = new();
    private readonly Thread _thread;
    private bool _stopped;

    /// <summary>Starts the batcher's thread.</summary>
    /// <param name="classify">Calibrated probabilities of full-length 16 kHz windows, [N][classes].</param>
    /// <param name="maxBatch">The most windows classified in one engine call.</param>
    public WindowBatcher(Func<IReadOnlyList<float[]>, float[][]> classify, int maxBatch = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _classify = classify;
        MaxBatch = maxBatch;
        _thread = new Thread(Run) { IsBackground = true, Name = "emolingua-stream-batcher" };
        _thread.Start();
    }

    /// <summary>The most windows classified in one engine call.</summary>
    public int MaxBatch { get; }

    /// <summary>Windows waiting for the engine.</summary>
    public int Waiting
    {
        get
        {
            lock (_waiting)
                return _waiting.Count;
        }
    }

    /// <summary>The probabilities of one window, when its batch has run.</summary>
    public Task<float[]> ClassifyAsync(float[] window)
    {
        var done = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting)
        {
            if (_stopped)
                throw new ObjectDisposedException(nameof(WindowBatcher));
            _waiting.Enqueue((window, done));
            Monitor.Pulse(_waiting);
        }
        return done.Task;
    }

    private void Run()
    {
        var batch = new List<(float[] Window, TaskCompletionSource<float[]> Done)>();
        while (true)
        {
            lock (_waiting)
            {
                while (_waiting.Count == 0 && !_stopped)
                    Monitor.Wait(_waiting);
                if (_waiting.Count == 0)
                    return;
                while (batch.Count < MaxBatch && _waiting.Count > 0)
                    batch.Add(_waiting.Dequeue());
            }
            try
            {
                var probabilities = _classify(batch.Select(b => b.Window).ToList());
                for (var i = 0; i < batch.Count; i++)
                    batch[i].Done.SetResult(probabilities[i]);
            }
            catch (Exception e)
            {
                foreach (var b in batch)
                    b.Done.TrySetException(e);
            }
            batch.Clear();
        }
    }

    /// <summary>Runs what is waiting, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_waiting)
        {
            if (_stopped)
                return;
            _stopped = true;
            Monitor.PulseAll(_waiting);
        }
        _thread.Join();
    }
}
