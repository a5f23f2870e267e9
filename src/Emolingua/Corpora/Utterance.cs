namespace Emolingua.Corpora;

/// <summary>
/// One utterance of a corpus; audio stays on disk.
/// </summary>
/// <param name="Id">Unique within the corpus (file name without extension for most corpora).</param>
/// <param name="Path">Absolute path of the audio file.</param>
/// <param name="Corpus">Adapter kind: emodb, ravdess, urdu, subesco, iemocap, msp-podcast, commonvoice,
/// manifest.</param>
/// <param name="Language">ISO 639-1 code (de, ur, bn, en, or the Common Voice locale).</param>
/// <param name="Speaker">Speaker id, unique within the corpus; <see cref="UnknownSpeaker"/> when the corpus does not
/// know.</param>
/// <param name="Session">
/// The corpus's own group: IEMOCAP "Session1".."Session5", the official split for MSP-Podcast/Common Voice
/// ("train", "dev", "test", "test1", ...), a manifest's session column. Null when folds are assigned by speaker
/// (see <see cref="Folds"/>).
/// </param>
/// <param name="OriginalLabel">The corpus's own label code (e.g. "W", "exc", "02", "ANGRY"); empty when
/// unlabeled.</param>
/// <param name="Label">The 4-class label; null for unlabeled speech (Common Voice).</param>
/// <param name="Duration">Seconds, from the file header or the corpus's own duration data.</param>
public sealed record Utterance(
    string Id,
    string Path,
    string Corpus,
    string Language,
    string Speaker,
    Gender Gender,
    string? Session,
    string OriginalLabel,
    Emotion? Label,
    double Duration
)
{
    public const string UnknownSpeaker = "unknown";

    public bool HasKnownSpeaker => Speaker != UnknownSpeaker && Speaker.Length > 0;
}
