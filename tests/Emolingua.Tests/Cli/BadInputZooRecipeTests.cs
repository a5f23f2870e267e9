using System.Text.Json.Nodes;
using static Emolingua.Tests.Cli.CliHarness;

namespace Emolingua.Tests.Cli;

/// <summary>The bad-input zoo, training recipes and <c>--set</c>: what <c>train</c> refuses before it makes
/// RUN_DIR.</summary>
public class BadInputZooRecipeTests : BadInputZoo
{
    private const string CorpusKinds =
        "kinds: emodb, ravdess, urdu, subesco, iemocap, msp-podcast, commonvoice, manifest";

    /// <summary>A recipe for the tiny corpora, as TrainingRunTests use it, with <paramref name="edit"/>
    /// applied.</summary>
    private string RecipeFile(string name, Action<JsonObject>? edit = null)
    {
        var node = JsonNode.Parse(Training.TinyCorpora.RecipeJson("baseline"))!.AsObject();
        edit?.Invoke(node);
        var path = Dir.File(name);
        File.WriteAllText(path, node.ToJsonString(new() { WriteIndented = true }));
        return path;
    }

    public static TheoryData<string> RecipeKinds() =>
        [
            "recipe missing",
            "recipe not JSON",
            "recipe a JSON list",
            "misspelt key",
            "key in the wrong section",
            "value of the wrong type",
            "learning_rate -1",
            "learning_rate 0",
            "learning_rate infinite (--set 1e999)",
            "learning_rate NaN (--set)",
            "weight_decay negative",
            "batch_size 0",
            "batch_size beyond one array",
            "dropout 1.5",
            "model.seconds 0",
            "unknown method",
            "unknown corpus kind in data",
            "model.dims d_model not divisible by heads",
            "--set misspelt key",
            "--set without =",
            "--set wrong type",
            "--set inside a number",
            "--set inside a list",
            "missing data root",
            "--data folder missing",
            "eval_batch 0",
        ];

    /// <summary>(the recipe, train arguments after it, the whole error line).</summary>
    private (string Recipe, string[] Extra, string Line) BadRecipe(string kind)
    {
        var data = Dir.File("data");
        Directory.CreateDirectory(data);
        string[] withData = ["--data", data];
        (string, string[], string) InRecipe(string recipe, string problem) =>
            (recipe, withData, $"error: {recipe}: {problem}");
        (string, string[], string) BySet(string set, string problem) =>
            (
                RecipeFile(Guid.NewGuid().ToString("N")[..8] + ".json"),
                [.. withData, "--set", set],
                $"error: --set: {problem}"
            );
        switch (kind)
        {
            case "recipe missing":
                return InRecipe(Dir.File("nope.json"), "recipe not found");
            case "recipe not JSON":
                return InRecipe(
                    Write("bad.json", "{ \"name\": \"x\", "u8.ToArray()),
                    "not valid JSON: Expected start of a property name or value, but instead reached end of data. LineNumber: 0 | BytePositionInLine: 15."
                );
            case "recipe a JSON list":
                return InRecipe(Write("list.json", "[1, 2]"u8.ToArray()), "the top level: [1,2] is not an object");
            case "misspelt key":
                return InRecipe(
                    RecipeFile("typo.json", r => r["training"]!["learning_rat"] = 0.1),
                    "unknown key 'training.learning_rat' (did you mean 'training.learning_rate'?)"
                );
            case "key in the wrong section":
                return InRecipe(
                    RecipeFile("section.json", r => r["learning_rate"] = 0.1),
                    "unknown key 'learning_rate' (did you mean 'training.learning_rate'?)"
                );
            case "value of the wrong type":
                return InRecipe(
                    RecipeFile("type.json", r => r["training"]!["batch_size"] = "big"),
                    "training.batch_size: \"big\" is not an integer"
                );
            case "learning_rate -1":
                return InRecipe(
                    RecipeFile("lr.json", r => r["training"]!["learning_rate"] = -1),
                    "training.learning_rate -1 must be a finite number > 0"
                );
            case "learning_rate 0":
                var lr0 = RecipeFile("lr0.json");
                return (
                    lr0,
                    [.. withData, "--set", "training.learning_rate=0"],
                    $"error: {lr0}: training.learning_rate 0 must be a finite number > 0"
                );
            case "learning_rate infinite (--set 1e999)":
                var lrInf = RecipeFile("lrinf.json");
                return (
                    lrInf,
                    [.. withData, "--set", "training.learning_rate=1e999"],
                    $"error: {lrInf}: training.learning_rate Infinity must be a finite number > 0"
                );
            case "learning_rate NaN (--set)":
                return BySet("training.learning_rate=NaN", "training.learning_rate: \"NaN\" is not a number");
            case "weight_decay negative":
                return InRecipe(
                    RecipeFile("wd.json", r => r["training"]!["weight_decay"] = -0.5),
                    "training.weight_decay -0.5 must be a finite number ≥ 0"
                );
            case "batch_size 0":
                return InRecipe(
                    RecipeFile("b0.json", r => r["training"]!["batch_size"] = 0),
                    "training.batch_size 0 must be at least 1"
                );
            case "batch_size beyond one array":
                return InRecipe(
                    RecipeFile("bbig.json", r => r["training"]!["batch_size"] = 1_000_000),
                    $"training.batch_size 1000000 of 1 s windows is 16000000000 samples, more than one array holds ({Array.MaxLength})"
                );
            case "dropout 1.5":
                return InRecipe(
                    RecipeFile("drop.json", r => r["model"]!["dropout"] = 1.5),
                    "model.dropout 1.5 must be in [0, 1)"
                );
            case "model.seconds 0":
                return InRecipe(
                    RecipeFile("sec.json", r => r["model"]!["seconds"] = 0),
                    "model.seconds 0 must be in [0.02, 30]"
                );
            case "unknown method":
                return InRecipe(
                    RecipeFile("method.json", r => r["method"] = "bayol"),
                    "method 'bayol' (baseline, contrastive or byol) (did you mean 'byol'?)"
                );
            case "unknown corpus kind in data":
                return InRecipe(
                    RecipeFile("kind.json", r => r["data"]!["english"]![0]!["kind"] = "iemocapp"),
                    $"data.english[0].kind: unknown corpus kind 'iemocapp' (did you mean 'iemocap'?); {CorpusKinds}"
                );
            case "model.dims d_model not divisible by heads":
                return InRecipe(
                    RecipeFile("dims.json", r => r["model"]!["dims"]!["encoder_attention_heads"] = 5),
                    "model.dims: d_model 64 is not a multiple of encoder_attention_heads 5"
                );
            case "--set misspelt key":
                return BySet(
                    "training.bach_size=4",
                    "unknown key 'training.bach_size' (did you mean 'training.batch_size'?)"
                );
            case "--set without =":
                return (
                    RecipeFile("s2.json"),
                    [.. withData, "--set", "training.batch_size"],
                    "error: train: option --set 'training.batch_size': expected key=value (see ./emolingua help train)"
                );
            case "--set wrong type":
                return BySet("training.max_epochs=2.5", "training.max_epochs: 2.5 is not an integer");
            case "--set inside a number":
                return BySet("model.seconds.x=1", "model.seconds is a number, it has no key 'x'");
            case "--set inside a list":
                return BySet(
                    "data.english.root=x",
                    "data.english is a list, it has no key 'root' (set the whole list as JSON)"
                );
            case "missing data root":
                return (
                    RecipeFile("root.json"),
                    withData,
                    $"error: {Path.Combine(data, "english.csv")}: no such manifest file"
                );
            case "--data folder missing":
                return (
                    RecipeFile("nodata.json"),
                    ["--data", Dir.File("no-data")],
                    $"error: {Dir.File("no-data")}: --data folder not found"
                );
            case "eval_batch 0":
                return InRecipe(
                    RecipeFile("eb.json", r => r["training"]!["eval_batch"] = 0),
                    "training.eval_batch 0 must be at least 1"
                );
            default:
                throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(RecipeKinds))]
    public void Train_RefusesBadRecipe(string kind)
    {
        var (recipe, extra, line) = BadRecipe(kind);
        var runDir = FreshOutput("run");
        AssertRefused(RunChild(["train", recipe, "--out", runDir, .. extra]), line);
        AssertNothingWritten(runDir);
    }
}
