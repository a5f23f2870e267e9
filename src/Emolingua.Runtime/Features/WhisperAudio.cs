namespace Emolingua.Features;

/// <summary>Whisper's audio constants (openai/whisper audio.py), with their derivations.</summary>
public static class WhisperAudio
{
    public const int SampleRate = 16_000;
    public const int NFft = 400;                              // 25 ms window
    public const int HopLength = 160;                         // 10 ms hop
    public const int FrequencyBins = NFft / 2 + 1;            // 201 one-sided bins, 0..8000 Hz in 40 Hz steps
    public const int FramesPerSecond = SampleRate / HopLength; // 100 log-mel frames per second
    public const int SamplesPerToken = HopLength * 2;         // conv2 has stride 2: one encoder position per 20 ms
    public const int TokensPerSecond = SampleRate / SamplesPerToken; // 50 encoder positions per second
    public const int MaxSourcePositions = 1500;               // 30 s

    public static int SamplesFor(double seconds) => checked((int)Math.Round(seconds * SampleRate));

    /// <summary>Log-mel frames of an S-second window: the STFT gives 1 + N/160 frames and Whisper drops the last.</summary>
    public static int FramesFor(double seconds) => SamplesFor(seconds) / HopLength;

    /// <summary>Encoder positions of an S-second window (50·S): the rows kept of the positional embedding.</summary>
    public static int PositionsFor(double seconds) => (FramesFor(seconds) - 1) / 2 + 1;
}
