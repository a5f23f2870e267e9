using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Training.Data;
using Emolingua.Util;

namespace Emolingua.Tests.Training;

public class SamplerTests
{
    private static Utterance U(int i, string speaker, Emotion? label) =>
        new($"u{i}", $"/x/u{i}.wav", "test", "xx", speaker, Gender.Unknown, null, "", label, 1.0);

    private static List<Utterance> Labelled()
    {
        // Imbalanced on purpose: 20 angry, 5 happy, 9 neutral, 3 sad.
        var counts = new[] { 20, 5, 9, 3 };
        var list = new List<Utterance>();
        for (var c = 0; c < 4; c++)
        {
            for (var k = 0; k < counts[c]; k++)
                list.Add(U(list.Count, "s" + k % 3, (Emotion)c));
        }

        return list;
    }

    [Fact]
    public void ClassBalancedBatchesHoldEqualCountsPerClass()
    {
        var data = Labelled();
        var sampler = new ClassBalancedSampler(data, 16, seed: 1, "test");
        for (long step = 0; step < 50; step++)
        {
            var labels = sampler.Batch(step).Select(i => (int)data[i].Label!.Value).ToArray();
            Assert.Equal(16, labels.Length);
            for (var c = 0; c < 4; c++)
                Assert.Equal(4, labels.Count(l => l == c));
        }
    }

    [Fact]
    public void ClassBalancedCyclesThroughEveryUtteranceOfAClass()
    {
        var data = Labelled();
        var sampler = new ClassBalancedSampler(data, 4, seed: 2, "test");
        // The 3 sad utterances: every window of 3 consecutive steps (one per step) within a cycle covers all of them.
        var sad = Enumerable
            .Range(0, 3)
            .Select(step => sampler.Batch(step).Single(i => data[i].Label == Emotion.Sad))
            .ToHashSet();
        Assert.Equal(3, sad.Count);
    }

    [Fact]
    public void BatchesArePureFunctionsOfSeedAndStep()
    {
        var data = Labelled();
        var a = new ClassBalancedSampler(data, 8, seed: 5, "test");
        var b = new ClassBalancedSampler(data, 8, seed: 5, "test");
        var c = new ClassBalancedSampler(data, 8, seed: 6, "test");
        // Asking b out of order (as a resumed run does) changes nothing.
        var late = b.Batch(37);
        Assert.Equal(a.Batch(37), late);
        Assert.Equal(a.Batch(3), b.Batch(3));
        Assert.NotEqual(a.Batch(3), c.Batch(3));
    }

    [Fact]
    public void ClassBalancedRejectsMissingClassAndBadBatch()
    {
        var data = Labelled().Where(u => u.Label != Emotion.Sad).ToList();
        Assert.Contains(
            "sad",
            Assert.Throws<EmolinguaException>(() => new ClassBalancedSampler(data, 8, 0, "English")).Message
        );
        Assert.Contains(
            "multiple of 4",
            Assert.Throws<EmolinguaException>(() => new ClassBalancedSampler(Labelled(), 10, 0, "English")).Message
        );
    }

    [Fact]
    public void SpeakerBatchesHaveDistinctSpeakersAndDistinctUtterances()
    {
        var data = new List<Utterance>();
        for (var s = 0; s < 24; s++)
        {
            for (var k = 0; k < 3 + s % 4; k++)
                data.Add(U(data.Count, $"spk{s:00}", null));
        }

        data.Add(U(data.Count, "solo", null)); // one utterance only: never eligible
        var sampler = new SpeakerBatchSampler(data, speakers: 16, perSpeaker: 4, seed: 1, "test");
        Assert.Equal(24 - 6, sampler.EligibleSpeakers); // speakers 0, 4, 8, 12, 16, 20 have only 3 utterances
        for (long step = 0; step < 30; step++)
        {
            var batch = sampler.Batch(step);
            Assert.Equal(64, batch.Length);
            Assert.Equal(64, batch.Distinct().Count());
            var groups = batch.Select(i => data[i].Speaker).Chunk(4).ToList();
            Assert.Equal(16, groups.Count);
            Assert.All(groups, g => Assert.Single(g.Distinct())); // 4 consecutive = one speaker
            Assert.Equal(16, groups.Select(g => g[0]).Distinct().Count()); // 16 distinct speakers
            Assert.DoesNotContain("solo", groups.Select(g => g[0]));
        }
    }

    [Fact]
    public void SpeakerSamplerNeedsEnoughSpeakers()
    {
        var data = Enumerable.Range(0, 40).Select(i => U(i, "s" + i % 5, null)).ToList();
        var e = Assert.Throws<EmolinguaException>(() => new SpeakerBatchSampler(data, 16, 4, 0, "Common Voice"));
        Assert.Contains("only 5 speakers", e.Message);
    }

    [Fact]
    public void UniformSamplerVisitsEveryIndexOncePerCycle()
    {
        var sampler = new UniformSampler(12, 4, seed: 9, "u", "test");
        var firstCycle = Enumerable.Range(0, 3).SelectMany(s => sampler.Batch(s)).ToList();
        Assert.Equal(Enumerable.Range(0, 12), firstCycle.Order());
    }

    [Fact]
    public void CropsStayInsideTheClipAndWindowsCoverIt()
    {
        var clip = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        var rng = new Random(1);
        for (var k = 0; k < 20; k++)
        {
            var crop = Crops.Random(clip, 30, rng);
            Assert.Equal(30, crop.Length);
            Assert.Equal(Enumerable.Range((int)crop[0], 30).Select(i => (float)i), crop); // a contiguous slice
        }
        Assert.Equal(new[] { 1f, 2f, 0f, 0f }, Crops.Random(new[] { 1f, 2f }, 4, rng)); // short: padded at the end
        Assert.Equal(new List<int> { 0, 15, 30, 45, 60, 70 }, AudioWindows.Starts(100, 30));
        Assert.Equal(new List<int> { 0 }, AudioWindows.Starts(30, 30));
        Assert.Equal(new List<int> { 0, 1 }, AudioWindows.Starts(31, 30));
    }
}
