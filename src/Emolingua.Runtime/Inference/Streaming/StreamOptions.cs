using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>How an <see cref="EmotionStream"/> reads the audio pushed into it.</summary>
public sealed record StreamOptions
{
    /// <summary>Default of <see cref="VadDecibels"/> when speech gating is asked for without a threshold.</summary>
    public const double DefaultVadDecibels = 30;

    /// <summary>The rate of the samples pushed, in Hz; resampled to 16 kHz as files are (4000–768000).</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Seconds between window starts; null: half the window, as <c>predict</c> reads files.</summary>
    public double? HopSeconds { get; init; }

    /// <summary>Windows averaged for the smoothed running label (the mean of the last N windows'
    /// probabilities).</summary>
    public int Smooth { get; init; } = 3;

    /// <summary>
    /// Speech gating, off when null: a window whose RMS level is more than this many dB below the stream's loudest
    /// second so far (non-overlapping 1-second blocks, the window's own audio included) is silence: a silence event,
    /// no inference, and no part in the smoothed or whole-stream result. Digital silence is always silence.
    /// </summary>
    public double? VadDecibels { get; init; }

    /// <summary>Throws the one-line error naming the first option out of range.</summary>
    public StreamOptions Validated(double windowSeconds)
    {
        if (SampleRate is < Audio.AudioFile.MinSampleRate or > Audio.AudioFile.MaxSampleRate)
        {
            throw new EmolinguaException(
                $"stream: sample_rate {SampleRate} must be between {Audio.AudioFile.MinSampleRate} and {Audio.AudioFile.MaxSampleRate} Hz"
            );
        }

        if (HopSeconds is { } hop && !(hop >= 0.01 && hop <= windowSeconds))
        {
            throw new EmolinguaException(
                $"stream: hop_s {hop} must be between 0.01 and the window ({windowSeconds} s)"
            );
        }

        if (Smooth is < 1 or > 1000)
            throw new EmolinguaException($"stream: smooth {Smooth} must be between 1 and 1000 windows");
        if (VadDecibels is { } vad && !(vad > 0 && vad <= 120))
            throw new EmolinguaException($"stream: vad {vad} must be between 0 and 120 dB");
        return this;
    }
}

/// <summary>Something a stream reports as the audio arrives: a scored window or a window gated as silence.</summary>
/// <param name="Index">The window's place in the stream (0, 1, 2, ...), silence included.</param>
/// <param name="StartSeconds">Where the window starts in the stream, in seconds.</param>
/// <param name="EndSeconds">Where the window's audio ends, in seconds.</param>
public abstract record StreamEvent(int Index, double StartSeconds, double EndSeconds);

/// <summary>A window classified: as <c>predict --segments</c> reports it, plus the smoothed running label.</summary>
/// <param name="Index">The window's place in the stream, silence included.</param>
/// <param name="StartSeconds">Where the window starts in the stream, in seconds.</param>
/// <param name="EndSeconds">Where the window's audio ends, in seconds.</param>
/// <param name="Label">The window's top class.</param>
/// <param name="Probabilities">The window's calibrated probabilities by label.</param>
/// <param name="SmoothedLabel">The top class of the mean probabilities of the last N scored windows (N =
/// <see cref="StreamOptions.Smooth"/>).</param>
public sealed record WindowEvent(
    int Index,
    double StartSeconds,
    double EndSeconds,
    string Label,
    IReadOnlyDictionary<string, float> Probabilities,
    string SmoothedLabel
) : StreamEvent(Index, StartSeconds, EndSeconds)
{
    /// <summary>The probability of <see cref="Label"/>.</summary>
    public float Confidence => Probabilities[Label];
}

/// <summary>A window without speech (speech gating): no inference was run.</summary>
/// <param name="Index">The window's place in the stream, silence included.</param>
/// <param name="StartSeconds">Where the window starts in the stream, in seconds.</param>
/// <param name="EndSeconds">Where the window's audio ends, in seconds.</param>
public sealed record SilenceEvent(int Index, double StartSeconds, double EndSeconds)
    : StreamEvent(Index, StartSeconds, EndSeconds);

/// <summary>What <see cref="EmotionStream.Complete"/> gives: the last windows' events and the whole-stream
/// result.</summary>
/// <param name="Events">The events of the windows completed by the end of the stream.</param>
/// <param name="Prediction">The result <c>predict</c> gives for the same audio (label, mean probabilities, duration,
/// every window); with speech gating, the mean over the windows with speech, and the label "silence" (probabilities 0)
/// when none had any.</param>
public sealed record StreamResult(IReadOnlyList<StreamEvent> Events, EmotionPrediction Prediction);
