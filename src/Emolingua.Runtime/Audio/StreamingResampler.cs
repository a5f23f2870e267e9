using System.Numerics;

namespace Emolingua.Audio;

/// <summary>
/// <see cref="Resampler.Resample"/> for audio that arrives in pieces: pushing a signal in chunks of any size and then
/// calling <see cref="Complete"/> yields, in order, exactly (bit for bit) the samples <see cref="Resampler.Resample"/>
/// gives for the whole signal. Each output is computed with the same filter row and the same dot product as there, as
/// soon as every input its filter reaches has arrived; <see cref="Complete"/> then supplies the zeros past the end and
/// the outputs up to round(length·to/from). Latency: about half the filter (a few ms). Not thread-safe.
/// </summary>
internal sealed class StreamingResampler
{
    private readonly int _up,
        _down;
    private readonly Resampler.Kernel? _kernel; // null: equal rates, samples pass through
    private readonly long _stepWhole,
        _stepRem;
    private float[] _buffer;
    private int _count; // samples held in _buffer
    private long _bufferOrigin; // input index of _buffer[0] (negative at first: the zeros before the signal)
    private long _received; // input samples pushed
    private long _produced; // outputs emitted (index n of the next one)
    private long _q,
        _rem; // input position of output n: q + rem/up
    private bool _completed;

    public StreamingResampler(int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toRate, 1);
        FromRate = fromRate;
        ToRate = toRate;
        var gcd = (int)BigInteger.GreatestCommonDivisor(fromRate, toRate);
        _up = toRate / gcd;
        _down = fromRate / gcd;
        _stepWhole = _down / _up;
        _stepRem = _down % _up;
        _buffer = new float[4096];
        if (fromRate == toRate)
            return;
        _kernel = Resampler.KernelFor(fromRate, toRate);
        // The first output's filter starts HalfWidth − 1 inputs before the signal: those are zeros.
        _count = _kernel.HalfWidth - 1;
        _bufferOrigin = -_count;
        EnsureCapacity(_count + _kernel.Taps);
    }

    public int FromRate { get; }
    public int ToRate { get; }

    /// <summary>Input samples pushed so far.</summary>
    public long InputSamples => _received;

    /// <summary>Output samples emitted so far.</summary>
    public long OutputSamples => _produced;

    /// <summary>Appends input samples; the outputs they complete are appended to <paramref name="output"/>.</summary>
    public void Push(ReadOnlySpan<float> input, List<float> output)
    {
        if (_completed)
            throw new InvalidOperationException("the stream is complete");
        if (_kernel == null)
        {
            foreach (var x in input)
                output.Add(x);
            _received += input.Length;
            _produced += input.Length;
            return;
        }
        EnsureCapacity(_count + input.Length);
        input.CopyTo(_buffer.AsSpan(_count));
        _count += input.Length;
        _received += input.Length;
        Emit(long.MaxValue, output);
    }

    /// <summary>Ends the input: the outputs that read past its end (zeros there), up to round(inputs·to/from) in
    /// all.</summary>
    public void Complete(List<float> output)
    {
        if (_completed)
            return;
        _completed = true;
        if (_kernel == null)
            return;
        var total = (_received * _up + _down / 2) / _down;
        if (_produced > total)
        {
            throw new InvalidOperationException(
                $"resampler emitted {_produced} samples, more than the {total} of the whole signal"
            );
        }
        // Zeros past the end: enough for the last output's filter.
        var lastWindowEnd = (total - 1) * _down / _up - _kernel.HalfWidth + 1 + _kernel.Taps;
        var zeros = (int)Math.Max(0, lastWindowEnd - (_bufferOrigin + _count));
        EnsureCapacity(_count + zeros);
        _buffer.AsSpan(_count, zeros).Clear();
        _count += zeros;
        Emit(total, output);
    }

    private void Emit(long limit, List<float> output)
    {
        var kernel = _kernel!;
        int taps = kernel.Taps,
            half = kernel.HalfWidth;
        var available = _bufferOrigin + _count; // input index one past the last held
        while (_produced < limit)
        {
            var first = _q - half + 1; // the filter reads inputs [first, first + taps)
            if (first + taps > available)
                break;
            output.Add(kernel.Output(_buffer.AsSpan((int)(first - _bufferOrigin), taps), _rem, _up));
            _produced++;
            _q += _stepWhole;
            _rem += _stepRem;
            if (_rem >= _up)
            {
                _rem -= _up;
                _q++;
            }
        }
        // Drop the inputs no later output reads.
        var keepFrom = Math.Min(_q - half + 1, available);
        var drop = (int)(keepFrom - _bufferOrigin);
        if (drop > 0 && drop >= _count / 2)
        {
            _buffer.AsSpan(drop, _count - drop).CopyTo(_buffer);
            _count -= drop;
            _bufferOrigin += drop;
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
            return;
        Array.Resize(ref _buffer, Math.Max(needed, 2 * _buffer.Length));
    }
}
