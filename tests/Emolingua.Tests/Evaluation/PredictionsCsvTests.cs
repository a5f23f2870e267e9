using Emolingua.Corpora;
using Emolingua.Evaluation;

namespace Emolingua.Tests.Evaluation;

public class PredictionsCsvTests
{
    [Fact]
    public void CommaAndQuoteInAPath_AreQuoted_AndTheTruthReadsBack()
    {
        using var dir = new TempDir();
        var utterances = new List<Utterance>
        {
            new("a", "/data/one,two/\"a\".wav", "emodb", "de", "03", Gender.Male, null, "T", Emotion.Sad, 1.0),
            new("b", "/data/b.wav", "emodb", "de", "08", Gender.Female, null, "W", Emotion.Angry, 1.0),
        };
        var preds = new Predictions(
            utterances,
            [3, 0],
            [3, 1],
            [
                [0.1f, 0.2f, 0.3f, 0.4f],
                [0.25f, 0.5f, 0.125f, 0.125f],
            ],
            null
        );
        var path = dir.File("predictions.csv");
        preds.SaveCsv(path);
        // RFC 4180 by hand: a field with a comma or a quote is quoted, and its quotes doubled.
        Assert.Equal(
            "id,path,speaker,gender,truth,predicted,p_angry,p_happy,p_neutral,p_sad\n"
                + "a,\"/data/one,two/\"\"a\"\".wav\",03,male,sad,sad,0.1,0.2,0.3,0.4\n"
                + "b,/data/b.wav,08,female,angry,happy,0.25,0.5,0.125,0.125\n",
            File.ReadAllText(path)
        );
        Assert.Equal([3, 0], Predictions.ReadTruth(path));
    }
}
