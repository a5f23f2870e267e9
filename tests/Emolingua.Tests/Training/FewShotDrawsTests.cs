using Emolingua.Corpora;
using Emolingua.Training;
using Emolingua.Training.FewShot;
using Emolingua.Util;

namespace Emolingua.Tests.Training;

/// <summary>
/// Few-shot draws on the tiny English corpus read as speaker folds (its manifest rewritten without sessions): no draw
/// ever holds a speaker of the test fold, checked against the fold assignment (Folds.AssignSpeakers) and against the
/// test fold evaluation reads; k clips per class; nested and reproducible draws.
/// </summary>
public class FewShotDrawsTests : IClassFixture<TrainingRunTests.Data>
{
    private readonly TrainingRunTests.Data _data;

    public FewShotDrawsTests(TrainingRunTests.Data data) => _data = data;

    private ICorpus SpeakerFoldCorpus()
    {
        var path = Path.Combine(_data.Root, "speaker-folds.csv");
        if (!File.Exists(path))
        {
            var rows = TestCsv.Rows(Path.Combine(_data.Root, "english.csv"));
            CsvFiles.Write(
                path,
                rows[0],
                rows.Skip(1)
                    .Select(f =>
                    {
                        f[Array.IndexOf(rows[0], "session")] = ""; // no session: folds by speaker
                        return f;
                    })
            );
        }
        return Corpus.Open("manifest", path);
    }

    [Fact]
    public void NoDrawHoldsASpeakerOfTheTestFold()
    {
        var corpus = SpeakerFoldCorpus();
        var all = Corpus.Load(corpus);
        Assert.Equal(FoldScheme.SpeakerFolds, corpus.Scheme);
        var foldOf = Folds.AssignSpeakers(all.Select(u => (u.Speaker, u.Gender))); // 0-based fold per speaker
        Assert.Equal(10, foldOf.Count);
        for (var fold = 1; fold <= 5; fold++)
        {
            var testSpeakers = Folds.TestFold(corpus, fold, 5, 0).Select(u => u.Speaker).ToHashSet();
            Assert.Equal(2, testSpeakers.Count);
            Assert.All(testSpeakers, s => Assert.Equal(fold - 1, foldOf[s]));
            var pool = FewShotDraws.Pool(corpus, fold, 5, 0);
            foreach (var k in new[] { 1, 2, 5, 16 })
            {
                for (var draw = 0; draw < 4; draw++)
                {
                    var shots = FewShotDraws.Draw(pool, k, seed: 0, corpus.Kind, fold, draw);
                    Assert.All(shots, u => Assert.NotEqual(fold - 1, foldOf[u.Speaker]));
                    Assert.DoesNotContain(shots, u => testSpeakers.Contains(u.Speaker));
                    // 8 training speakers × 2 clips = 16 per class: exactly k of each.
                    Assert.All(Emotions.All, e => Assert.Equal(k, shots.Count(u => u.Label == e)));
                    Assert.Equal(shots.Count, shots.Select(u => u.Id).Distinct().Count());
                }
            }
        }
    }

    [Fact]
    public void DrawsAreNestedSeededAndDiffer()
    {
        var corpus = SpeakerFoldCorpus();
        var pool = FewShotDraws.Pool(corpus, 2, 5, 0);
        var five = FewShotDraws.Draw(pool, 5, 0, corpus.Kind, 2, draw: 1);
        var two = FewShotDraws.Draw(pool, 2, 0, corpus.Kind, 2, draw: 1);
        foreach (var e in Emotions.All)
        {
            Assert.Equal(
                two.Where(u => u.Label == e).Select(u => u.Id),
                five.Where(u => u.Label == e).Take(2).Select(u => u.Id)
            );
        }

        Assert.Equal(five.Select(u => u.Id), FewShotDraws.Draw(pool, 5, 0, corpus.Kind, 2, draw: 1).Select(u => u.Id));
        Assert.NotEqual(
            five.Select(u => u.Id),
            FewShotDraws.Draw(pool, 5, 0, corpus.Kind, 2, draw: 2).Select(u => u.Id)
        );
        Assert.NotEqual(
            five.Select(u => u.Id),
            FewShotDraws.Draw(pool, 5, 1, corpus.Kind, 2, draw: 1).Select(u => u.Id)
        );
        // More shots than a class holds: all of them, and the class is reported.
        Assert.Equal(4 * 16, FewShotDraws.Draw(pool, 40, 0, corpus.Kind, 2, 0).Count);
        Assert.Equal(["angry", "happy", "neutral", "sad"], FewShotDraws.ShortClasses(pool, 17));
        Assert.Empty(FewShotDraws.ShortClasses(pool, 16));
    }

    [Fact]
    public void SessionCorporaDrawFromTheOtherSessions()
    {
        var corpus = Corpus.Open("manifest", Path.Combine(_data.Root, "english.csv"));
        var pool = FewShotDraws.Pool(corpus, 3, 5, 0);
        Assert.Equal(64, pool.Count); // sessions 1, 2, 4, 5 × 16 clips
        Assert.DoesNotContain(pool, u => u.Session == "Session3");
        Assert.Equal(80, FewShotDraws.Pool(corpus, null, 5, 0).Count); // no fold: the whole corpus
    }
}
