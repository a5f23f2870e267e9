using Emolingua.Audio;
using Emolingua.Features;

namespace Emolingua.Inference;

/// <summary>
/// One window of a stream, ready to classify: <see cref="Samples"/> holds exactly the model's window of 16 kHz audio
/// (zero-padded past <see cref="Length"/>), or is null when speech gating found no speech in it.
/// </summary>
public sealed record StreamWindow(int Index, long Start, int Length, float[]? Samples)
{
    /// <summary>Where the window starts in the stream, in seconds.</summary>
    public double StartSeconds => Start / (double)WhisperAudio.SampleRate;

    /// <summary>Where the window's audio ends in the stream, in seconds (before zero padding).</summary>
    public double EndSeconds => (Start + Length) / (double)WhisperAudio.SampleRate;

    /// <summary>True when speech gating found no speech in the window (no samples, no inference).</summary>
    public bool Silent => Samples == null;
}

/// <summary>
/// Cuts audio that arrives in pieces into the windows <c>predict</c> cuts the whole recording into
/// (<see cref="AudioWindows"/>), each as soon as its last sample has arrived. The samples are resampled to 16 kHz by a
/// <see cref="StreamingResampler"/> (the same output as resampling the whole file). Windows start every hop (S/2 by
/// default) and a window [kh, kh + S) is final once S samples from kh have arrived: predict keeps every such window,
/// whatever follows. <see cref="Complete"/> adds what predict adds at the end: the window ending at the end of the
/// audio (unless one already does), or, for audio no longer than S, the one zero-padded window. So for any chunking,
/// the windows are those of the whole recording, in order. Holds about one window of audio. Not thread-safe.
/// </summary>
public sealed class StreamWindower
{
    private const int SecondSamples = WhisperAudio.SampleRate;
    private readonly StreamingResampler _resampler;
    private readonly List<float> _resampled = [];
    private readonly int _window,
        _hop;
    private readonly double? _vadDecibels;
    private float[] _buffer = new float[1 << 16];
    private int _count; // 16 kHz samples held, the first being sample _origin of the stream
    private long _origin;
    private long _nextStart; // start of the next regular window (k·hop)
    private long _lastStart = -1; // start of the last window given
    private int _index;
    private bool _completed;

    // Speech gating: energy of the 1-second blocks up to _vadCursor.
    private long _vadCursor;
    private double _blockSum,
        _loudestBlock;

    /// <summary>A windower for a model whose windows are <paramref name="windowSeconds"/> long.</summary>
    /// <param name="windowSeconds">The model's window length S in seconds.</param>
    /// <param name="options">Sample rate, hop and speech gating of the stream.</param>
    public StreamWindower(double windowSeconds, StreamOptions options)
    {
        options.Validated(windowSeconds);
        _window = WhisperAudio.SamplesFor(windowSeconds);
        // predict's hop: AudioWindows.Starts
        _hop = options.HopSeconds is { } h ? Math.Max(1, WhisperAudio.SamplesFor(h)) : _window / 2;
        _vadDecibels = options.VadDecibels;
        _resampler = new StreamingResampler(options.SampleRate, WhisperAudio.SampleRate);
    }

    /// <summary>Samples in a window at 16 kHz.</summary>
    public int WindowSamples => _window;

    /// <summary>Samples between window starts at 16 kHz.</summary>
    public int HopSamples => _hop;

    /// <summary>Samples pushed, at the stream's own rate.</summary>
    public long InputSamples => _resampler.InputSamples;

    /// <summary>16 kHz samples so far (after <see cref="Complete"/>: the whole stream's).</summary>
    public long Length => _origin + _count;

    /// <summary>Appends samples at the stream's rate; returns the windows they complete, in order.</summary>
    public IReadOnlyList<StreamWindow> Push(ReadOnlySpan<float> samples)
    {
        if (_completed)
            throw new InvalidOperationException("the stream is complete");
        _resampled.Clear();
        _resampler.Push(samples, _resampled);
        Append();
        var ready = new List<StreamWindow>();
        while (_nextStart + _window <= Length)
        {
            ready.Add(Cut(_nextStart, _window));
            _nextStart += _hop;
        }
        Trim();
        return ready;
    }

    /// <summary>Ends the stream: the last window as predict reads the end of a clip (none when no sample
    /// arrived).</summary>
    public IReadOnlyList<StreamWindow> Complete()
    {
        if (_completed)
            return [];
        _completed = true;
        _resampled.Clear();
        _resampler.Complete(_resampled);
        Append();
        // The resampler's last outputs may complete regular windows as well.
        var ready = new List<StreamWindow>();
        while (_nextStart + _window <= Length)
        {
            ready.Add(Cut(_nextStart, _window));
            _nextStart += _hop;
        }
        var length = Length;
        if (length == 0)
            return ready;
        if (length <= _window)
        {
            if (_lastStart < 0)
                ready.Add(Cut(0, (int)length));
        }
        else if (length - _window > _lastStart)
        {
            ready.Add(Cut(length - _window, _window));
        }

        return ready;
    }

    private void Append()
    {
        if (_count + _resampled.Count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_count + _resampled.Count, 2 * _buffer.Length));
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_resampled).CopyTo(_buffer.AsSpan(_count));
        _count += _resampled.Count;
    }

    private StreamWindow Cut(long start, int length)
    {
        _lastStart = start;
        var audio = _buffer.AsSpan((int)(start - _origin), length);
        float[]? samples = null;
        if (!IsSilent(audio, start + length))
        {
            samples = new float[_window]; // zero-padded past the audio, as predict pads a short clip
            audio.CopyTo(samples);
        }
        return new StreamWindow(_index++, start, length, samples);
    }

    /// <summary>
    /// Speech gating: RMS of the window against the loudest 1-second block up to the window's end (completed blocks and
    /// the partial one), in double precision over samples in stream order, so every chunking decides alike.
    /// </summary>
    private bool IsSilent(ReadOnlySpan<float> audio, long end)
    {
        if (_vadDecibels is not { } decibels)
            return false;
        for (; _vadCursor < end; _vadCursor++)
        {
            double x = _buffer[(int)(_vadCursor - _origin)];
            _blockSum += x * x;
            if ((_vadCursor + 1) % SecondSamples == 0)
            {
                _loudestBlock = Math.Max(_loudestBlock, _blockSum / SecondSamples);
                _blockSum = 0;
            }
        }
        var partial = end % SecondSamples;
        var loudest = partial > 0 ? Math.Max(_loudestBlock, _blockSum / partial) : _loudestBlock;
        double energy = 0;
        foreach (var x in audio)
            energy += (double)x * x;
        energy /= audio.Length;
        return energy == 0 || 10 * Math.Log10(loudest / energy) > decibels;
    }

    /// <summary>Drops the audio no later window (nor the window ending at the end) reads.</summary>
    private void Trim()
    {
        var keepFrom = Math.Min(_nextStart, Length - _window);
        if (_vadDecibels != null)
            keepFrom = Math.Min(keepFrom, _vadCursor);
        var drop = (int)Math.Max(0, keepFrom - _origin);
        if (drop == 0 || drop < _count / 2)
            return;
        _buffer.AsSpan(drop, _count - drop).CopyTo(_buffer);
        _count -= drop;
        _origin += drop;
    }
}
