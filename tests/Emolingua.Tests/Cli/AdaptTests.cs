using System.Text.Json.Nodes;
using Emolingua.Corpora;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Tests.Training;
using Emolingua.Training;
using Emolingua.Training.FewShot;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Cli;

/// <summary><c>adapt</c> on a manifest corpus: a loadable model folder, shots outside the test fold,
/// refusals.</summary>
[Collection("Console")]
public class AdaptTests : IClassFixture<TrainingRunTests.Data>
{
    private readonly TrainingRunTests.Data _data;

    public AdaptTests(TrainingRunTests.Data data) => _data = data;

    private static Dictionary<string, float[]> Weights(string modelDir)
    {
        var st = SafeTensors.Open(Path.Combine(modelDir, "model.safetensors"));
        return st.Entries.Keys.ToDictionary(k => k, st.ReadFloat32);
    }

    [Fact]
    public void AdaptWritesAModelThatPredictAndEvaluateLoad()
    {
        using var dir = new TempDir();
        var run = dir.File("run");
        TrainRun.Execute(
            TinyCorpora.Recipe("baseline", "training.max_epochs=1"),
            new TrainRun.Options(run, _data.Root, CPU, Resume: false, Log: _ => { })
        );
        var manifest = Path.Combine(_data.Root, "english.csv");
        var adapted = dir.File("adapted");

        var result = CliHarness.RunInProcess(
            "adapt",
            "--model",
            run,
            "--corpus",
            $"manifest={manifest}",
            "--shots",
            "2",
            "--fold",
            "1",
            "--out",
            adapted
        );
        Assert.True(result.ExitCode == 0, result.Err);
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(adapted, "adaptation.json")))!;
        var ids = record["shot_ids"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        Assert.Equal(8, ids.Count);
        var session1 = Corpus
            .Load(Corpus.Open("manifest", manifest))
            .Where(u => u.Session == "Session1")
            .Select(u => u.Id)
            .ToHashSet();
        Assert.DoesNotContain(ids, session1.Contains);
        Assert.Equal("head", record["mode"]!.GetValue<string>());

        // Head mode: the encoder is the trained one, the head has moved.
        var before = Weights(Path.Combine(run, "model"));
        var after = Weights(Path.Combine(adapted, "model"));
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before.Keys.Where(k => k.StartsWith("encoder.")), k => Assert.Equal(before[k], after[k]));
        Assert.Contains(before.Keys.Where(k => k.StartsWith("head.")), k => !before[k].SequenceEqual(after[k]));

        using (var recognizer = EmotionRecognizer.Load(adapted))
        {
            Assert.Contains(
                recognizer.Predict(Path.Combine(_data.Root, "en", "s1_0_sad_0.wav")).Label,
                new[] { "angry", "happy", "neutral", "sad" }
            );
        }

        var evaluated = CliHarness.RunInProcess(
            "evaluate",
            "--model",
            adapted,
            "--corpus",
            $"manifest={manifest}",
            "--fold",
            "1",
            "--out",
            dir.File("eval")
        );
        Assert.True(evaluated.ExitCode == 0, evaluated.Err);
        Assert.Equal(16, JsonNode.Parse(evaluated.OutLines[^1])!["n"]!.GetValue<int>());

        // A second adapt into the same folder is refused with one line and leaves the model as it was.
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(adapted, "model", "model.safetensors"));
        var again = CliHarness.RunInProcess(
            "adapt",
            "--model",
            run,
            "--corpus",
            $"manifest={manifest}",
            "--shots",
            "3",
            "--out",
            adapted
        );
        Assert.Equal(1, again.ExitCode);
        Assert.Single(again.ErrLines, l => l.StartsWith("error: ") && l.Contains("already holds an adapted model"));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(adapted, "model", "model.safetensors")));
        var badMode = CliHarness.RunInProcess(
            "adapt",
            "--model",
            run,
            "--corpus",
            $"manifest={manifest}",
            "--shots",
            "3",
            "--mode",
            "all",
            "--out",
            dir.File("x")
        );
        Assert.NotEqual(0, badMode.ExitCode);
        Assert.False(Directory.Exists(dir.File("x")));

        // Full mode fine-tunes the encoder too, with the run's recipe (two steps here).
        var full = dir.File("full");
        Adaptation.Run(
            new Adaptation.Options(
                run,
                Corpus.Open("manifest", manifest),
                2,
                1,
                full,
                CPU,
                AdaptationMode.Full,
                FullSteps: 2,
                Log: _ => { }
            )
        );
        var fullWeights = Weights(Path.Combine(full, "model"));
        Assert.Contains(before.Keys.Where(k => k.StartsWith("encoder.layers")), k =>
            !before[k].SequenceEqual(fullWeights[k])
        );
        using (var recognizer = EmotionRecognizer.Load(full))
            Assert.Equal("baseline", recognizer.Method);
    }
}
