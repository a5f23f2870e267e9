namespace Emolingua.Corpora;

/// <summary>How a corpus's evaluation folds are formed (see FOLDS.md).</summary>
public enum FoldScheme
{
    /// <summary>5 speaker-disjoint folds assigned by <see cref="Folds.Assign"/> (EMO-DB, URDU, SUBESCO,
    /// RAVDESS).</summary>
    SpeakerFolds,

    /// <summary>The corpus's sessions, in <see cref="Utterance.Session"/> (IEMOCAP; manifests with a session
    /// column).</summary>
    Sessions,

    /// <summary>The official train/dev/test split, in <see cref="Utterance.Session"/> (MSP-Podcast, Common
    /// Voice).</summary>
    OfficialSplits,
}

/// <summary>A corpus as released, read in place. Enumeration is lazy: large corpora are never held in memory.</summary>
public interface ICorpus
{
    /// <summary>Adapter kind as given to <see cref="Corpus.Open"/>.</summary>
    string Kind { get; }

    /// <summary>Absolute root folder (the manifest file for kind "manifest").</summary>
    string Root { get; }

    /// <summary>ISO 639-1 language code; for a manifest with several languages, them joined by '+'.</summary>
    string Language { get; }

    FoldScheme Scheme { get; }

    /// <summary>True when utterances carry emotion labels (false for Common Voice).</summary>
    bool Labeled { get; }

    /// <summary>
    /// The utterances that pass the filter (4 classes, 0.5 s &lt;= duration &lt;= 12 s), in a stable order.
    /// Everything else is counted in <paramref name="skips"/> by reason. Each call re-reads the corpus.
    /// </summary>
    IEnumerable<Utterance> Enumerate(SkipCounter skips);
}
