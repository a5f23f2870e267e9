using System.Text.Json;
using System.Text.Json.Nodes;
using Emolingua.Training;
using Emolingua.Util;

namespace Emolingua.Tests.Util;

public class VocabularyTests
{
    /// <summary>The names every file has always used, written out by hand: a renamed member must not rename a file's
    /// value.</summary>
    [Fact]
    public void NamesAreTheFilesSpellings()
    {
        Assert.Equal(["baseline", "contrastive", "byol"], Vocabulary<TrainingMethod>.Names);
        Assert.Equal(
            [
                Emolingua.Evaluation.Methods.Baseline,
                Emolingua.Evaluation.Methods.Contrastive,
                Emolingua.Evaluation.Methods.Byol,
            ],
            Vocabulary<TrainingMethod>.Names
        );
        Assert.Equal(["uar", "accuracy", "macro_f1", "loss"], Vocabulary<ValidationMetric>.Names);
        Assert.Equal(["constant", "cosine"], Vocabulary<EmaCurve>.Names);
        Assert.Equal(["commonvoice", "target"], Vocabulary<UnlabeledSource>.Names);
        Assert.Equal(["ntxent", "supcon"], Vocabulary<ContrastiveLoss>.Names);
        Assert.Equal(["fp32", "bf16"], Vocabulary<Precision>.Names);
        Assert.Equal(["head", "full"], Vocabulary<AdaptationMode>.Names);
        Assert.Equal(["ok", "failed"], Vocabulary<CellStatus>.Names);
        Assert.Equal("\"macro_f1\"", JsonSerializer.Serialize(ValidationMetric.MacroF1));
        Assert.Equal(UnlabeledSource.CommonVoice, JsonSerializer.Deserialize<UnlabeledSource>("\"commonvoice\""));
    }

    [Fact]
    public void UnknownNameIsOneLineWithTheNearestName()
    {
        var e = Assert.Throws<EmolinguaException>(() => Vocabulary<AdaptationMode>.Parse("ful", "--mode"));
        Assert.Equal("--mode 'ful' (head or full) (did you mean 'full'?)", e.Message);
        Assert.Equal(
            "--precision 'fp16' (fp32 or bf16)",
            Assert.Throws<EmolinguaException>(() => Precisions.Parse("fp16", "--precision")).Message
        );
    }

    /// <summary>A recipe names each setting's key and the known values, whichever the setting (no .NET type
    /// names).</summary>
    [Theory]
    [InlineData(
        "method",
        "bayol",
        "test recipe: method 'bayol' (baseline, contrastive or byol) (did you mean 'byol'?)"
    )]
    [InlineData("training.metric", "f1", "test recipe: training.metric 'f1' (uar, accuracy, macro_f1 or loss)")]
    [InlineData(
        "data.unlabeled",
        "common_voice",
        "test recipe: data.unlabeled 'common_voice' (commonvoice or target) (did you mean 'commonvoice'?)"
    )]
    [InlineData(
        "byol.ema_schedule",
        "cosin",
        "test recipe: byol.ema_schedule 'cosin' (constant or cosine) (did you mean 'cosine'?)"
    )]
    [InlineData(
        "contrastive.loss",
        "supcon2",
        "test recipe: contrastive.loss 'supcon2' (ntxent or supcon) (did you mean 'supcon'?)"
    )]
    [InlineData("training.precision", "fp16", "test recipe: training.precision 'fp16' (fp32 or bf16)")]
    public void RecipeRefusesAnUnknownName(string key, string value, string message)
    {
        var node = JsonNode.Parse(Emolingua.Tests.Training.TinyCorpora.RecipeJson("byol"))!;
        RecipeOverride.Of(key, JsonValue.Create(value)).ApplyTo(node);
        Assert.Equal(message, Assert.Throws<EmolinguaException>(() => Recipe.FromJson(node, "test recipe")).Message);
    }

    /// <summary>A recipe written by Recipe.ToJson (recipe.json of a run) reads back to the same values and the same
    /// text.</summary>
    [Fact]
    public void ResolvedRecipeRoundTripsItsNames()
    {
        var recipe = Emolingua.Tests.Training.TinyCorpora.Recipe(
            "byol",
            "training.metric=macro_f1",
            "byol.ema_schedule=cosine",
            "data.unlabeled=target",
            "training.precision=bf16"
        );
        var json = recipe.ToJson();
        Assert.Contains("\"metric\": \"macro_f1\"", json);
        Assert.Contains("\"ema_schedule\": \"cosine\"", json);
        Assert.Contains("\"unlabeled\": \"target\"", json);
        Assert.Contains("\"precision\": \"bf16\"", json);
        var back = Recipe.FromJson(JsonNode.Parse(json)!, "recipe.json");
        Assert.Equal(
            (TrainingMethod.Byol, ValidationMetric.MacroF1, EmaCurve.Cosine, UnlabeledSource.Target, Precision.Bf16),
            (back.Method, back.Training.Metric, back.Byol.EmaSchedule, back.Data.Unlabeled, back.Training.Precision)
        );
        Assert.Equal(json, back.ToJson());
    }
}
