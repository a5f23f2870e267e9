namespace Emolingua.Evaluation;

/// <summary>The paper's three methods, as written in results.json's "method" field.</summary>
public static class Methods
{
    public const string Baseline = "baseline";
    public const string Contrastive = "contrastive";
    public const string Byol = "byol";
    public static readonly IReadOnlyList<string> All = [Baseline, Contrastive, Byol];

    public static string DisplayName(string column) => column switch
    {
        Baseline => "Baseline",
        Contrastive => "Contrastive",
        Byol => "BYOL",
        _ => column,
    };
}

/// <summary>Corpus kinds in the paper's row order, with display names for the tables.</summary>
public static class CorpusNames
{
    public static readonly IReadOnlyList<string> PaperOrder = ["emodb", "urdu", "subesco", "ravdess"];

    public static string DisplayName(string corpus) => corpus switch
    {
        "emodb" => "EMO-DB (German)",
        "urdu" => "URDU (Urdu)",
        "subesco" => "SUBESCO (Bangla)",
        "ravdess" => "RAVDESS (English)",
        _ => corpus,
    };
}
