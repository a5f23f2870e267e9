using Emolingua.Training;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training;

/// <summary>
/// TorchSharp 0.107's Scalar frees its native value in a finalizer. A temporary Scalar (from an implicit double
/// conversion) that a garbage collection on another thread finalizes while libtorch is still reading it corrupts
/// the operation. Training runs with a background thread forcing collections and finalizers continuously, so any
/// unprotected Scalar on the training path shows up here rather than as a rare crash in a long run.
/// </summary>
public class ConcurrentGcTests : IClassFixture<TrainingRunTests.Data>
{
    private readonly TrainingRunTests.Data _data;

    public ConcurrentGcTests(TrainingRunTests.Data data) => _data = data;

    [Theory]
    [InlineData("baseline")]
    [InlineData("contrastive")]
    [InlineData("byol")]
    public void TrainingSurvivesGarbageCollectionOnAnotherThread(string method)
    {
        using var run = new TempDir();
        using var stop = new CancellationTokenSource();
        long collections = 0;
        var hammer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
            }
        })
        {
            IsBackground = true,
        };
        hammer.Start();
        try
        {
            // Supervised augmentation on, so the waveform and log-mel augmentations run too.
            var recipe = TinyCorpora.Recipe(
                method,
                "training.max_epochs=2",
                "contrastive.stage1_max_epochs=1",
                "augment.supervised=true"
            );
            var summary = TrainRun.Execute(
                recipe,
                new TrainRun.Options(run.Path, _data.Root, CPU, false, Log: _ => { })
            );
            Assert.Equal(method, summary.Method.Name());
            var loss = File.ReadLines(Path.Combine(run.Path, "metrics.jsonl"))
                .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["loss"])
                .Where(v => v != null)
                .Select(v => v!.GetValue<double>())
                .ToList();
            Assert.All(loss, l => Assert.True(double.IsFinite(l), "non-finite loss"));
        }
        finally
        {
            stop.Cancel();
            hammer.Join();
        }
        Assert.True(Interlocked.Read(ref collections) > 10, $"only {collections} collections ran during training");
    }
}
