using System.Text.Json;
using System.Text.Json.Nodes;
using Emolingua.Evaluation;
using Emolingua.Training;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// A grid of training runs and zero-shot evaluations: every entry of <see cref="Runs"/> is trained once per fold and
/// seed (its recipe with data.fold and seed set, plus the entry's overrides) and evaluated on the test fold of each
/// corpus it names. Several entries may share a column (e.g. one CL model per language); ablations are extra columns
/// such as "contrastive:target".
/// </summary>
public sealed class ExperimentRecipe
{
    public string Name { get; set; } = "";
    public List<int> Folds { get; set; } = new() { 1, 2, 3, 4, 5 };
    public List<int> Seeds { get; set; } = new() { 0, 1, 2, 3, 4 };
    public int FoldCount { get; set; } = 5;
    public int FoldSeed { get; set; }
    public List<Recipe.CorpusRef> TestCorpora { get; set; } = new();
    public List<RunEntry> Runs { get; set; } = new();
    public TsneSection Tsne { get; set; } = new();

    /// <summary>Table 1's reference columns: any of chance, majority, acoustic (all by default; [] for none).</summary>
    public List<string> References { get; set; } = [.. Methods.References];

    /// <summary>Few-shot adaptation curves; null (absent) = none.</summary>
    public FewShotSection? FewShot { get; set; }

    public sealed class RunEntry
    {
        /// <summary>Table column: baseline, contrastive, byol, or an ablation name such as
        /// "contrastive:target".</summary>
        public string Column { get; set; } = "";

        /// <summary>A training recipe, relative to the experiment recipe's folder.</summary>
        public string Recipe { get; set; } = "";

        /// <summary>Overrides applied to the recipe (dotted keys, JSON values).</summary>
        public Dictionary<string, JsonNode?> Set { get; set; } = new();

        /// <summary>Kinds of <see cref="TestCorpora"/> this entry's models are evaluated on.</summary>
        public List<string> Evaluate { get; set; } = new();

        /// <summary>Distinguishes entries sharing a column (e.g. the CL language); part of the run folder
        /// name.</summary>
        public string? Tag { get; set; }
    }

    public sealed class TsneSection
    {
        public bool Enabled { get; set; } = true;

        /// <summary>Embeddings of this fold and seed's models are plotted (Figure 3).</summary>
        public int Fold { get; set; } = 1;
        public int Seed { get; set; }
        public int MaxPoints { get; set; } = 3000;
        public double Perplexity { get; set; } = 30;
    }

    public string Folder { get; private set; } = ".";

    /// <summary>The file this recipe was loaded from (absolute).</summary>
    public string SourcePath { get; private set; } = "";

    public static ExperimentRecipe Load(string path)
    {
        if (!File.Exists(path))
            throw new EmolinguaException(path, "experiment recipe not found");
        ExperimentRecipe r;
        JsonNode node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: JsonInput.Recipe) ?? new JsonObject();
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, $"not valid JSON: {e.Message}");
        }
        r = StrictJson.Bind<ExperimentRecipe>(node, Json.SnakeCase, path);
        r.SourcePath = Path.GetFullPath(path);
        r.Folder = Path.GetDirectoryName(r.SourcePath)!;
        if (r.Runs.Count == 0)
            throw new EmolinguaException(path, "no runs");
        foreach (var run in r.Runs)
        {
            foreach (var kind in run.Evaluate)
            {
                if (r.TestCorpora.All(c => c.Kind != kind))
                {
                    throw new EmolinguaException(
                        path,
                        $"run '{run.Column}' evaluates '{kind}', which test_corpora does not list"
                    );
                }
            }
        }

        foreach (var reference in r.References)
        {
            if (!Methods.References.Contains(reference))
            {
                throw new EmolinguaException(
                    path,
                    $"references: '{reference}' is not one of {string.Join(", ", Methods.References)}"
                );
            }
        }

        r.FewShot?.Validate(path, r.TestCorpora.Select(c => c.Kind));
        return r;
    }

    public Recipe TrainingRecipe(RunEntry entry, int fold, int seed)
    {
        var path = Path.Combine(Folder, entry.Recipe);
        var overrides = entry.Set.Select(kv => RecipeOverride.Of(kv.Key, kv.Value)).ToList();
        overrides.Add(RecipeOverride.Of("data.fold", fold));
        overrides.Add(RecipeOverride.Of("data.folds", FoldCount));
        overrides.Add(RecipeOverride.Of("data.fold_seed", FoldSeed));
        overrides.Add(RecipeOverride.Of("seed", seed));
        return Training.Recipe.Load(path, overrides);
    }

    public static string RunName(RunEntry entry, int fold, int seed) =>
        $"{entry.Column.Replace(':', '-')}{(entry.Tag is { } t ? "-" + t : "")}/fold{fold}-seed{seed}";
}
