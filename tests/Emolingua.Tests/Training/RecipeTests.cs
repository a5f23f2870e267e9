using Emolingua.Training;
using Emolingua.Util;

namespace Emolingua.Tests.Training;

public class RecipeTests
{
    private static string RecipeFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "recipes", relative)))
                return Path.Combine(dir.FullName, "recipes", relative);
        }

        throw new FileNotFoundException(relative);
    }

    [Theory]
    [InlineData("demo/baseline.json", "baseline")]
    [InlineData("demo/contrastive.json", "contrastive")]
    [InlineData("demo/byol.json", "byol")]
    [InlineData("paper/baseline.json", "baseline")]
    [InlineData("paper/contrastive.json", "contrastive")]
    [InlineData("paper/byol.json", "byol")]
    public void ShippedRecipesLoad(string file, string method) =>
        Assert.Equal(method, Recipe.Load(RecipeFile(file)).Method.Name());

    /// <summary>The grids bind strictly too, and every run's overrides name real settings of a valid recipe.</summary>
    [Theory]
    [InlineData("demo/experiment.json")]
    [InlineData("paper/experiment.json")]
    [InlineData("paper/ablation-unlabeled-source.json")]
    public void ShippedExperimentRecipesLoadAndResolveEveryRun(string file)
    {
        var grid = Emolingua.Experiments.ExperimentRecipe.Load(RecipeFile(file));
        foreach (var run in grid.Runs)
            Assert.Equal(grid.Seeds[0], grid.TrainingRecipe(run, grid.Folds[0], grid.Seeds[0]).Seed);
    }

    [Fact]
    public void PaperRecipesHoldThePapersHyperParameters()
    {
        var baseline = Recipe.Load(RecipeFile("paper/baseline.json"));
        var cl = Recipe.Load(RecipeFile("paper/contrastive.json"));
        var byol = Recipe.Load(RecipeFile("paper/byol.json"));
        foreach (var r in new[] { baseline, cl, byol })
        {
            Assert.Equal("openai/whisper-small.en", r.Model.Whisper); // §3.3
            Assert.True(r.Model.FreezeFrontEnd); // §3.2
            Assert.Equal(64, r.Training.BatchSize); // §3.3
            Assert.Equal(1e-5, r.Training.LearningRate); // §3.3
            Assert.Equal(100, r.Training.StepsPerEpoch); // §3.3
            foreach (
                var key in new[]
                {
                    "training.batch_size",
                    "training.learning_rate",
                    "training.steps_per_epoch",
                    "model.seconds",
                    "model.freeze_front_end",
                }
            )
            {
                Assert.True(r.Sources.ContainsKey(key), $"{r.Name}: no source for {key}");
            }
        }
        Assert.Equal(4, baseline.Model.Seconds);
        Assert.Equal(4, cl.Model.Seconds);
        Assert.Equal(3, byol.Model.Seconds); // §3.2
        Assert.Equal((16, 4), (cl.Contrastive.Speakers, cl.Contrastive.UtterancesPerSpeaker)); // §2.2
        Assert.Equal("commonvoice", cl.Data.Unlabeled.Name()); // §4.3
        Assert.Equal("target", byol.Data.Unlabeled.Name()); // §4.3
        Assert.Equal((0.8, 0.2), (byol.Byol.LambdaStart, byol.Byol.LambdaEnd)); // §3.3
        Assert.Contains("0.8 to 0.2", byol.Sources["byol.lambda_start"]);
    }

    [Fact]
    public void SetOverridesNestedValuesAndTypos()
    {
        var r = TinyCorpora.Recipe(
            "baseline",
            "training.batch_size=16",
            "model.dims.d_model=32",
            "data.english=[{\"kind\":\"iemocap\",\"root\":\"x\"}]"
        );
        Assert.Equal(16, r.Training.BatchSize);
        Assert.Equal(32, r.Model.Dims!.DModel);
        Assert.Equal("iemocap", Assert.Single(r.Data.English).Kind);
        var e = Assert.Throws<EmolinguaException>(() => TinyCorpora.Recipe("baseline", "training.batchsize=16"));
        Assert.Contains("batchsize", e.Message);
        Assert.Throws<EmolinguaException>(() => TinyCorpora.Recipe("nonsense"));
    }

    [Fact]
    public void MissingRecipeFileIsNamed()
    {
        var e = Assert.Throws<EmolinguaException>(() => Recipe.Load("/no/such/recipe.json"));
        Assert.Contains("/no/such/recipe.json", e.Message);
    }
}
