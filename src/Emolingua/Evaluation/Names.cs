namespace Emolingua.Evaluation;

/// <summary>
/// Table columns as written in results.json's "method" field: the paper's three methods (the names of
/// <see cref="Util.TrainingMethod"/>; constants here so that columns can be switched on) and the reference columns.
/// </summary>
public static class Methods
{
    public const string Baseline = "baseline";
    public const string Contrastive = "contrastive";
    public const string Byol = "byol";
    public static readonly IReadOnlyList<string> All = Util.Vocabulary<Util.TrainingMethod>.Names;

    /// <summary>Table 1's reference columns, which need no Whisper model (see ReferenceScores and the acoustic
    /// baseline).</summary>
    public const string Chance = "chance";
    public const string Majority = "majority";
    public const string Acoustic = "acoustic";
    public static readonly IReadOnlyList<string> References = [Chance, Majority, Acoustic];

    public static string DisplayName(string column) =>
        column switch
        {
            Baseline => "Baseline",
            Contrastive => "Contrastive",
            Byol => "BYOL",
            Chance => "Chance",
            Majority => "Majority",
            Acoustic => "Acoustic",
            _ => column,
        };
}

/// <summary>Corpus kinds in the paper's row order, with display names for the tables.</summary>
public static class CorpusNames
{
    public static readonly IReadOnlyList<string> PaperOrder = ["emodb", "urdu", "subesco", "ravdess"];

    public static string DisplayName(string corpus) =>
        corpus switch
        {
            "emodb" => "EMO-DB (German)",
            "urdu" => "URDU (Urdu)",
            "subesco" => "SUBESCO (Bangla)",
            "ravdess" => "RAVDESS (English)",
            _ => corpus,
        };
}
