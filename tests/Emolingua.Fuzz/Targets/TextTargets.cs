using System.Text;
using Emolingua.Inference;
using Emolingua.Training;

namespace Emolingua.Fuzz;

/// <summary>Text people write and hand to the CLI: recipes with --set, predict's list files and manifests.</summary>
internal static class TextTargets
{
    /// <summary>A recipe file (before the first zero byte) with one --set assignment per line of the rest, as train
    /// reads them.</summary>
    public static void Recipe(byte[] data)
    {
        var parts = FuzzTargets.Split(data, 2);
        var path = FuzzTargets.WriteScratch("recipe.json", parts[0]);
        var overrides = Encoding
            .UTF8.GetString(parts[1])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(RecipeOverride.Parse)
            .ToList();
        Training.Recipe.Load(path, overrides);
    }

    /// <summary>A predict INPUT that is a list: the first byte picks the name (.csv and .jsonl manifests, text lists,
    /// no extension), the rest is the file.</summary>
    public static void PredictList(byte[] data)
    {
        if (data.Length == 0)
            return;
        string[] names = ["list.csv", "list.jsonl", "list.txt", "list.lst", "list"];
        var path = FuzzTargets.WriteScratch(names[data[0] % names.Length], data.AsSpan(1));
        PredictionInputs.Expand([path]);
    }
}
