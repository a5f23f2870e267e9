using Emolingua.Corpora;

namespace Emolingua.Tests.Corpora;

public class ManifestTests
{
    [Fact]
    public void UserCsv_RelativePathsLabelsSessionsAndSkips()
    {
        using var t = new CorpusTree();
        t.Wav("audio/a.wav", 2.0);
        t.Wav("audio/b.wav", 1.0);
        t.Wav("audio/c.wav", 0.2);
        t.Wav("audio/d.wav", 3.0);
        var abs = t.Wav("elsewhere/e.wav", 1.0);
        var manifest = t.Text(
            "lists/my.csv",
            "path,label,speaker,gender,session,language\n"
                + "../audio/a.wav,Anger,spk1,F,s1,de\n"
                + "../audio/b.wav,exc,spk2,male,s1,de\n"
                + "../audio/c.wav,sad,spk2,male,s2,de\n"
                + // too short
                "../audio/d.wav,fear,spk3,female,s2,de\n"
                + // dropped label
                "../audio/missing.wav,sad,spk3,female,s2,de\n"
                + "\""
                + abs
                + "\",neutral,\"spk,4\",,s2,de\n"
                + "too,few\n"
        );
        var corpus = Corpus.Open("manifest", manifest);
        var skips = new SkipCounter();
        var kept = corpus.Enumerate(skips).ToList();

        Assert.Equal("de", corpus.Language);
        Assert.Equal(FoldScheme.Sessions, corpus.Scheme);
        Assert.Equal([t.P("audio/a.wav"), t.P("audio/b.wav"), abs], kept.Select(u => u.Path));
        Assert.Equal(new Emotion?[] { Emotion.Angry, Emotion.Happy, Emotion.Neutral }, kept.Select(u => u.Label));
        Assert.Equal(["spk1", "spk2", "spk,4"], kept.Select(u => u.Speaker));
        Assert.Equal([Gender.Female, Gender.Male, Gender.Unknown], kept.Select(u => u.Gender));
        Assert.Equal(["s1", "s1", "s2"], kept.Select(u => u.Session));
        Assert.Equal(2.0, kept[0].Duration, 3);
        Assert.Equal(1, skips[SkipReasons.TooShort]);
        Assert.Equal(1, skips["label fear"]);
        Assert.Equal(1, skips[SkipReasons.MissingAudio]);
        Assert.Equal(1, skips[SkipReasons.UnparsableLine]);
        Assert.Equal(4, skips.Total);
    }

    [Fact]
    public void Jsonl_UnlabeledRowsKept_NoSessionsMeansSpeakerFolds()
    {
        using var t = new CorpusTree();
        t.Wav("x.wav", 1.0);
        t.Wav("y.wav", 1.5);
        var manifest = t.Text(
            "m.jsonl",
            "{\"path\": \"x.wav\", \"speaker\": \"a\", \"language\": \"bn\"}\n"
                + "not json\n"
                + "{\"path\": \"y.wav\", \"speaker\": \"b\", \"language\": \"ur\", \"label\": \"happy\", \"duration\": 1.5}\n"
        );
        var corpus = Corpus.Open("manifest", manifest);
        var skips = new SkipCounter();
        var kept = corpus.Enumerate(skips).ToList();
        Assert.Equal("bn+ur", corpus.Language);
        Assert.Equal(FoldScheme.SpeakerFolds, corpus.Scheme);
        Assert.Equal(new Emotion?[] { null, Emotion.Happy }, kept.Select(u => u.Label));
        Assert.Equal(1, skips[SkipReasons.UnparsableLine]);
    }

    [Theory]
    [InlineData("out.csv")]
    [InlineData("out.jsonl")]
    public void WriteThenRead_RoundTripsEveryField(string name)
    {
        using var t = new CorpusTree();
        var original = new List<Utterance>
        {
            new(
                "03a01Wa",
                t.Wav("w/03a01Wa.wav", 2.0),
                "emodb",
                "de",
                "03",
                Gender.Male,
                "fold2",
                "W",
                Emotion.Angry,
                2.0
            ),
            new("x,\"y\"", t.Wav("w/q.wav", 1.25), "commonvoice", "ur", "c1", Gender.Unknown, "train", "", null, 1.25),
            new(
                "Ses01F_impro01_M000",
                t.Wav("w/s.wav", 0.5),
                "iemocap",
                "en",
                "Ses01M",
                Gender.Male,
                "Session1",
                "exc",
                Emotion.Happy,
                2.25
            ),
        };
        var path = t.P("sub/" + name);
        Manifest.Write(path, original);
        var skips = new SkipCounter();
        var back = Corpus.Open("manifest", path).Enumerate(skips).ToList();
        Assert.Equal(0, skips.Total);
        Assert.Equal(original, back);
    }
}
