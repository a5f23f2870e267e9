namespace Emolingua.Server;

/// <summary>
/// Bounds the work in the server: at most <c>maxConcurrent + queue</c> predict requests are admitted at once (the
/// rest are turned away at once with 503), and of those at most <c>maxConcurrent</c> decode and classify while the
/// others upload or wait for a turn. Admission comes before the upload, so disk and memory stay bounded by
/// (maxConcurrent + queue) × the upload limit, however many clients connect.
/// </summary>
public sealed class InferenceQueue
{
    private readonly SemaphoreSlim _turns;
    private readonly int _capacity;
    private int _admitted;
    private double _meanTurnMilliseconds = 1000; // a guess until the first turn ends

    public InferenceQueue(int maxConcurrent, int queue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        MaxConcurrent = maxConcurrent;
        _capacity = maxConcurrent + queue;
        _turns = new SemaphoreSlim(maxConcurrent, maxConcurrent);
    }

    public int MaxConcurrent { get; }

    /// <summary>Requests decoding or classifying now.</summary>
    public int Running => MaxConcurrent - _turns.CurrentCount;

    /// <summary>Admitted requests that are still uploading or waiting for a turn.</summary>
    public int Waiting => Math.Max(0, Volatile.Read(ref _admitted) - Running);

    /// <summary>A place in the queue, or null when it is full.</summary>
    public Ticket? TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) <= _capacity)
            return new Ticket(this);
        Interlocked.Decrement(ref _admitted);
        return null;
    }

    /// <summary>When a turn is likely to be free: the admitted requests times the mean turn, over the turns run at
    /// once.</summary>
    public int RetryAfterSeconds =>
        (int)
            Math.Clamp(
                Math.Ceiling(
                    Volatile.Read(ref _admitted) * Volatile.Read(ref _meanTurnMilliseconds) / MaxConcurrent / 1000
                ),
                1,
                3600
            );

    private void Finish(bool hadTurn, long turnMilliseconds)
    {
        if (hadTurn)
        {
            // Exponential moving average; a lost update under a race only blurs an estimate.
            Volatile.Write(
                ref _meanTurnMilliseconds,
                0.8 * Volatile.Read(ref _meanTurnMilliseconds) + 0.2 * turnMilliseconds
            );
            _turns.Release();
        }
        Interlocked.Decrement(ref _admitted);
    }

    /// <summary>An admitted request: wait for a turn, do the work, dispose to leave the queue.</summary>
    public sealed class Ticket : IDisposable
    {
        private readonly InferenceQueue _queue;
        private long _turnStarted = -1;
        private bool _disposed;

        internal Ticket(InferenceQueue queue) => _queue = queue;

        public async Task WaitTurnAsync(CancellationToken cancel)
        {
            if (_turnStarted >= 0)
                throw new InvalidOperationException("the ticket already has its turn");
            await _queue._turns.WaitAsync(cancel);
            _turnStarted = Environment.TickCount64;
        }

        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            _queue.Finish(_turnStarted >= 0, _turnStarted >= 0 ? Environment.TickCount64 - _turnStarted : 0);
        }
    }
}
