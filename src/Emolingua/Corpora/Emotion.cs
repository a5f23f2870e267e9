namespace Emolingua.Corpora;

/// <summary>The four classes. The order angry, happy, neutral, sad is the contract for class indices
/// everywhere.</summary>
public enum Emotion
{
    Angry = 0,
    Happy = 1,
    Neutral = 2,
    Sad = 3,
}

public static class Emotions
{
    public static IReadOnlyList<Emotion> All { get; } = [Emotion.Angry, Emotion.Happy, Emotion.Neutral, Emotion.Sad];

    /// <summary>Lower-case name: "angry", "happy", "neutral", "sad".</summary>
    public static string Name(this Emotion e) =>
        e switch
        {
            Emotion.Angry => "angry",
            Emotion.Happy => "happy",
            Emotion.Neutral => "neutral",
            Emotion.Sad => "sad",
            _ => throw new ArgumentOutOfRangeException(nameof(e)),
        };

    /// <summary>
    /// Parses a user-facing label (manifests): the four names plus common spellings (anger, ang, happiness,
    /// hap, exc/excited — merged into happy as in the paper —, neu, sadness). Case-insensitive.
    /// </summary>
    public static bool TryParse(string? label, out Emotion emotion)
    {
        switch (label?.Trim().ToLowerInvariant())
        {
            case "angry" or "anger" or "ang":
                emotion = Emotion.Angry;
                return true;
            case "happy" or "happiness" or "hap" or "exc" or "excited":
                emotion = Emotion.Happy;
                return true;
            case "neutral" or "neu":
                emotion = Emotion.Neutral;
                return true;
            case "sad" or "sadness":
                emotion = Emotion.Sad;
                return true;
            default:
                emotion = default;
                return false;
        }
    }
}
