namespace Emolingua.Features;

/// <summary>Whisper's audio constants (openai/whisper audio.py), with their derivations.</summary>
public static class WhisperAudio
{
    /// <summary>Whisper reads 16 kHz mono audio.</summary>
    public const int SampleRate = 16_000;

    /// <summary>STFT size: 400 samples, a 25 ms window.</summary>
    public const int NFft = 400; // 25 ms window

    /// <summary>STFT hop: 160 samples, 10 ms.</summary>
    public const int HopLength = 160; // 10 ms hop

    /// <summary>One-sided STFT bins: 201, 0 to 8000 Hz in 40 Hz steps.</summary>
    public const int FrequencyBins = NFft / 2 + 1; // 201 one-sided bins, 0..8000 Hz in 40 Hz steps

    /// <summary>Log-mel frames per second: 100.</summary>
    public const int FramesPerSecond = SampleRate / HopLength; // 100 log-mel frames per second

    /// <summary>Samples per encoder position: 320 (conv2 has stride 2), 20 ms.</summary>
    public const int SamplesPerToken = HopLength * 2; // conv2 has stride 2: one encoder position per 20 ms

    /// <summary>Encoder positions per second: 50.</summary>
    public const int TokensPerSecond = SampleRate / SamplesPerToken; // 50 encoder positions per second

    /// <summary>Positions of Whisper's positional embedding: 1500, 30 s.</summary>
    public const int MaxSourcePositions = 1500; // 30 s

    /// <summary>Log-mel floor: mel power is clamped to at least 1e-10 (-10 in log10) before the logarithm.</summary>
    public const double LogMelFloor = 1e-10;

    /// <summary>Log-mel dynamic range: log10 values more than 8 decades below the clip's maximum are raised to that
    /// floor.</summary>
    public const double LogMelDecades = 8;

    /// <summary>Log-mel scaling: x becomes (x + 4) / 4, so speech lands near [-1, 1].</summary>
    public const double LogMelShift = 4;

    /// <summary>16 kHz samples in <paramref name="seconds"/> seconds (rounded).</summary>
    public static int SamplesFor(double seconds) => checked((int)Math.Round(seconds * SampleRate));

    /// <summary>Log-mel frames of an S-second window: the STFT gives 1 + N/160 frames and Whisper drops the
    /// last.</summary>
    public static int FramesFor(double seconds) => SamplesFor(seconds) / HopLength;

    /// <summary>Encoder positions of an S-second window (50·S): the rows kept of the positional embedding.</summary>
    public static int PositionsFor(double seconds) => (FramesFor(seconds) - 1) / 2 + 1;
}
