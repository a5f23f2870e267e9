using Emolingua.Corpora;

namespace Emolingua.Tests.Corpora;

public class FoldsTests
{
    private static List<Utterance> Utterances(IEnumerable<(string Speaker, Gender Gender, int Count)> speakers) =>
        speakers
            .SelectMany(s =>
                Enumerable
                    .Range(0, s.Count)
                    .Select(i => new Utterance(
                        $"{s.Speaker}-{i}",
                        $"/x/{s.Speaker}-{i}.wav",
                        "test",
                        "xx",
                        s.Speaker,
                        s.Gender,
                        null,
                        "N",
                        Emotion.Neutral,
                        1.0
                    ))
            )
            .ToList();

    private static void AssertSpeakerDisjointAndCovering(IReadOnlyList<Utterance> utts, int[] folds, int k)
    {
        Assert.Equal(utts.Count, folds.Length);
        Assert.All(folds, f => Assert.InRange(f, 0, k - 1));
        foreach (var g in utts.Select((u, i) => (u.Speaker, Fold: folds[i])).GroupBy(x => x.Speaker))
            Assert.Single(g.Select(x => x.Fold).Distinct());
        Assert.Equal(Enumerable.Range(0, k), folds.Distinct().Order());
    }

    [Fact]
    public void EmoDbLike_EveryFoldHasOneWomanAndOneMan()
    {
        var utts = Utterances(
            new[] { "03", "10", "11", "12", "15" }
                .Select(s => (s, Gender.Male, 3))
                .Concat(new[] { "08", "09", "13", "14", "16" }.Select(s => (s, Gender.Female, 4)))
        );
        var folds = Folds.Assign(utts, 5, 0);
        AssertSpeakerDisjointAndCovering(utts, folds, 5);
        for (var f = 0; f < 5; f++)
        {
            var speakers = utts.Where((u, i) => folds[i] == f).Select(u => (u.Speaker, u.Gender)).Distinct().ToList();
            Assert.Equal(2, speakers.Count);
            Assert.Equal(1, speakers.Count(s => s.Gender == Gender.Female));
        }
    }

    [Theory]
    [InlineData(7, 4, 0)]
    [InlineData(11, 3, 1)]
    [InlineData(8, 8, 2)]
    [InlineData(20, 9, 3)]
    [InlineData(1, 2, 4)]
    public void Balanced_WithinOneSpeakerOverallAndPerGender(int females, int males, int seed)
    {
        var utts = Utterances(
            Enumerable
                .Range(0, females)
                .Select(i => ($"F{i:D2}", Gender.Female, 1 + i % 3))
                .Concat(Enumerable.Range(0, males).Select(i => ($"M{i:D2}", Gender.Male, 2)))
        );
        var folds = Folds.Assign(utts, 5, seed);
        var k = Math.Min(5, females + males);
        AssertSpeakerDisjointAndCovering(utts, folds, k);
        var perFold = Enumerable
            .Range(0, k)
            .Select(f => utts.Where((u, i) => folds[i] == f).Select(u => (u.Speaker, u.Gender)).Distinct().ToList())
            .ToList();
        int Spread(Func<List<(string, Gender)>, int> count) => perFold.Max(count) - perFold.Min(count);
        Assert.True(Spread(p => p.Count) <= 1);
        Assert.True(Spread(p => p.Count(s => s.Item2 == Gender.Female)) <= 1);
        Assert.True(Spread(p => p.Count(s => s.Item2 == Gender.Male)) <= 1);
    }

    [Fact]
    public void Deterministic_IndependentOfInputOrder_DependsOnSeed()
    {
        var utts = Utterances(
            Enumerable.Range(0, 24).Select(i => ($"Actor_{i + 1:D2}", i % 2 == 0 ? Gender.Male : Gender.Female, 3))
        );
        var a = Folds.Assign(utts, 5, 7);
        var b = Folds.Assign(utts, 5, 7);
        Assert.Equal(a, b);
        var reversed = utts.AsEnumerable().Reverse().ToList();
        var c = Folds.Assign(reversed, 5, 7);
        var bySpeakerA = utts.Select((u, i) => (u.Speaker, a[i])).Distinct().ToDictionary(x => x.Speaker, x => x.Item2);
        var bySpeakerC = reversed
            .Select((u, i) => (u.Speaker, c[i]))
            .Distinct()
            .ToDictionary(x => x.Speaker, x => x.Item2);
        Assert.Equal(bySpeakerA.OrderBy(kv => kv.Key), bySpeakerC.OrderBy(kv => kv.Key));
        var seeds = Enumerable.Range(0, 5).Select(s => string.Join(",", Folds.Assign(utts, 5, s))).Distinct().Count();
        Assert.True(seeds > 1, "different seeds should give different folds");
    }

    [Fact]
    public void SplitMix64_MatchesReferenceValues()
    {
        // Reference: SplitMix64 seeded with 0 (Vigna's splitmix64.c) starts 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4.
        var r = new Folds.SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, r.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, r.Next());
    }

    [Fact]
    public void FewerSpeakersThanFolds_GivesOneFoldPerSpeaker()
    {
        var utts = Utterances([("a", Gender.Female, 2), ("b", Gender.Male, 2), ("c", Gender.Male, 1)]);
        Assert.Equal(3, Folds.Count(FoldScheme.SpeakerFolds, utts));
        AssertSpeakerDisjointAndCovering(utts, Folds.Assign(utts, 5, 0), 3);
    }

    [Fact]
    public void Groups_UseSessionsOrSplitsWhenGiven()
    {
        var utts = Utterances([("a", Gender.Female, 2), ("b", Gender.Male, 2)]);
        var withSessions = utts.Select((u, i) => u with { Session = i < 3 ? "train" : "test1" }).ToList();
        Assert.Equal(["train", "train", "train", "test1"], Folds.Groups(FoldScheme.OfficialSplits, withSessions));
        Assert.Equal(2, Folds.Count(FoldScheme.OfficialSplits, withSessions));
        // Speaker-fold corpora ignore sessions and name their folds fold1..foldK.
        Assert.All(Folds.Groups(FoldScheme.SpeakerFolds, withSessions), g => Assert.StartsWith("fold", g));
    }
}
