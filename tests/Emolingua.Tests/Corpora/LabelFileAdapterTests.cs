using Emolingua.Corpora;
using Emolingua.Util;
using static Emolingua.Tests.Corpora.AdapterFixture;

namespace Emolingua.Tests.Corpora;

// Adapters of corpora whose labels come from label files (IEMOCAP, MSP-Podcast, Common Voice) and gender spellings.
public class LabelFileAdapterTests
{
    private const string EvalHeader = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n";

    [Fact]
    public void Iemocap_ReadsTopLevelSummariesOnly()
    {
        using var t = new CorpusTree();
        const string d1 = "Session1/dialog/EmoEvaluation/";
        t.Text(
            d1 + "Ses01F_impro01.txt",
            EvalHeader
                + "[1.0000 - 3.5000]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]\n"
                + "C-E2:\tNeutral;\t()\nC-E3:\tNeutral;\t()\nA-E3:\tval 3; act 2; dom  2;\t()\n\n"
                + "[4.0000 - 6.2500]\tSes01F_impro01_M000\texc\t[4.0000, 3.5000, 3.0000]\n"
                + "C-E2:\tExcited;\t()\n\n"
                + "[7.0000 - 9.0000]\tSes01F_impro01_F001\tfru\t[2.0000, 3.0000, 3.0000]\n\n"
                + "[9.5000 - 9.9000]\tSes01F_impro01_M001\txxx\t[2.0000, 3.0000, 3.0000]\n\n"
                + "[10.0000 - 10.3000]\tSes01F_impro01_F002\tang\t[2.0000, 4.0000, 4.0000]\n\n"
                + "[11.0000 - 25.0000]\tSes01F_impro01_M002\tsad\t[2.0000, 2.0000, 2.0000]\n\n"
                + "[30.0000 - 32.0000]\tSes01F_impro01_F003\thap\t[4.0000, 3.0000, 3.0000]\n\n"
                + "[abc - def]\tgarbage\n"
        );
        foreach (var id in new[] { "F000", "M000", "F001", "M001", "F002", "M002", "F009" })
            // durations come from the times
            t.Wav($"Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_{id}.wav", 0.1);
        // Sub-folders hold other .txt files, some with bracketed lines: they must not be read.
        t.Text(d1 + "Categorical/Ses01F_impro01_e2_cat.txt", "Ses01F_impro01_F000 :Neutral; ()\n");
        t.Text(d1 + "Attribute/Ses01F_impro01_e3_atr.txt", "[1.0000 - 3.5000]\tSes01F_impro01_F009\tang\t[1, 1, 1]\n");
        t.Text(d1 + "Self-evaluation/Ses01F_impro01.txt", "[1.0000 - 3.5000]\tSes01F_impro01_F000\tsad\t[1, 1, 1]\n");
        t.Text(d1 + "._Ses01F_impro01.txt", "junk");
        const string d2 = "Session2/dialog/EmoEvaluation/";
        t.Text(
            d2 + "Ses02M_script01_1.txt",
            EvalHeader
                + "[0.5000 - 2.0000]\tSes02M_script01_1_F000\tsad\t[2.0000, 2.0000, 2.0000]\n\n"
                + "[2.5000 - 5.0000]\tSes02M_script01_1_M000\tang\t[2.0000, 4.0000, 4.0000]\n"
        );
        t.Wav("Session2/sentences/wav/Ses02M_script01_1/Ses02M_script01_1_F000.wav", 0.1);
        t.Wav("Session2/sentences/wav/Ses02M_script01_1/Ses02M_script01_1_M000.wav", 0.1);
        var (kept, skips) = Read("iemocap", t.Root);

        Assert.Equal(
            ["Ses01F_impro01_F000", "Ses01F_impro01_M000", "Ses02M_script01_1_F000", "Ses02M_script01_1_M000"],
            kept.Select(u => u.Id)
        );
        Assert.Equal(
            new Emotion?[] { Emotion.Neutral, Emotion.Happy, Emotion.Sad, Emotion.Angry },
            kept.Select(u => u.Label)
        );
        Assert.Equal(["neu", "exc", "sad", "ang"], kept.Select(u => u.OriginalLabel));
        Assert.Equal(["Ses01F", "Ses01M", "Ses02F", "Ses02M"], kept.Select(u => u.Speaker));
        Assert.Equal([Gender.Female, Gender.Male, Gender.Female, Gender.Male], kept.Select(u => u.Gender));
        Assert.Equal(["Session1", "Session1", "Session2", "Session2"], kept.Select(u => u.Session));
        Assert.Equal([2.5, 2.25, 1.5, 2.5], kept.Select(u => Math.Round(u.Duration, 4)));
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["label fru"] = 1,
                ["label xxx"] = 1,
                [SkipReasons.TooShort] = 1,
                [SkipReasons.TooLong] = 1,
                [SkipReasons.MissingAudio] = 1,
                [SkipReasons.HiddenFile] = 1,
                [SkipReasons.UnparsableLine] = 1,
            },
            SkipMap(skips)
        );
    }

    [Fact]
    public void MspPodcast_SplitsSpellingsAndUnknownSpeakers()
    {
        using var t = new CorpusTree();
        t.Text(
            "Labels/labels_consensus.csv",
            "FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set\n"
                + "MSP-PODCAST_0001_0008.wav,A,5.2,2.0,5.0,127,Male,Train\n"
                + "MSP-PODCAST_0001_0009.wav,H,4.0,5.8,4.2,127,Male,Development\n"
                + "MSP-PODCAST_0002_0001.wav,N,4.0,4.0,4.0,Unknown,Unknown,Validation\n"
                + "MSP-PODCAST_0003_0001.wav,S,2.2,2.0,3.0,45,Female,Test1\n"
                + "MSP-PODCAST_0003_0002.wav,X,4.0,4.0,4.0,45,Female,Test1\n"
                + "MSP-PODCAST_0003_0003.wav,C,4.0,4.0,4.0,45,Female,Test2\n"
                + "MSP-PODCAST_0004_0001.wav,N,4.0,4.0,4.0,46,Female,Test2\n"
                + "broken line\n"
                + "MSP-PODCAST_0005_0001.wav,A,4.0,4.0,4.0,47,Female,Test3\n"
        );
        foreach (var n in new[] { "0001_0008", "0001_0009", "0002_0001", "0003_0001", "0003_0002", "0003_0003" })
            t.Wav($"Audios/MSP-PODCAST_{n}.wav", 2.0);
        t.Wav("Audios/MSP-PODCAST_0005_0001.wav", 0.4);
        var corpus = Corpus.Open("msp-podcast", t.Root);
        var skips = new SkipCounter();
        var kept = corpus.Enumerate(skips).ToList();

        Assert.Equal(FoldScheme.OfficialSplits, corpus.Scheme);
        Assert.Equal(
            ["MSP-PODCAST_0001_0008", "MSP-PODCAST_0001_0009", "MSP-PODCAST_0002_0001", "MSP-PODCAST_0003_0001"],
            kept.Select(u => u.Id)
        );
        Assert.Equal(["train", "dev", "dev", "test1"], kept.Select(u => u.Session));
        Assert.Equal(["127", "127", Utterance.UnknownSpeaker, "45"], kept.Select(u => u.Speaker));
        Assert.False(kept[2].HasKnownSpeaker);
        Assert.Equal([Gender.Male, Gender.Male, Gender.Unknown, Gender.Female], kept.Select(u => u.Gender));
        Assert.Equal(
            new Emotion?[] { Emotion.Angry, Emotion.Happy, Emotion.Neutral, Emotion.Sad },
            kept.Select(u => u.Label)
        );
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["label X"] = 1,
                ["label C"] = 1,
                [SkipReasons.MissingAudio] = 1,
                [SkipReasons.UnparsableLine] = 1,
                [SkipReasons.TooShort] = 1,
            },
            SkipMap(skips)
        );
        Assert.Equal(3, Folds.Count(corpus.Scheme, kept));
    }

    private const string CvHeaderV17 =
        "client_id\tpath\tsentence_id\tsentence\tsentence_domain\tup_votes\tdown_votes\tage\tgender\taccents\tvariant\tlocale\tsegment\n";

    private static string V17(string client, string clip, string gender, string locale = "de") =>
        $"{client}\t{clip}\tsid\tEin Satz.\t\t2\t0\ttwenties\t{gender}\t\t\t{locale}\t\n";

    [Fact]
    public void CommonVoice_NewColumnsNewGendersDurationsFile()
    {
        using var t = new CorpusTree();
        var root = t.P("cv-corpus-17.0/de");
        t.Text(
            "cv-corpus-17.0/de/train.tsv",
            CvHeaderV17
                + V17("c1", "a.mp3", "male_masculine")
                + V17("c1", "b.mp3", "male_masculine")
                + V17("c2", "c.mp3", "female_feminine")
        );
        t.Text(
            "cv-corpus-17.0/de/dev.tsv",
            CvHeaderV17 + V17("c3", "d.mp3", "") + V17("c1", "a.mp3", "male_masculine")
        );
        t.Text(
            "cv-corpus-17.0/de/test.tsv",
            CvHeaderV17
                + V17("c4", "e.mp3", "do_not_wish_to_say")
                + V17("c5", "f.mp3", "male_masculine")
                + V17("c5", "g.mp3", "male_masculine")
                + "onlyonefield\n"
                + V17("c6", "h.mp3", "female_feminine")
        );
        // validated.tsv lists more clips: they are not part of the three splits.
        t.Text("cv-corpus-17.0/de/validated.tsv", CvHeaderV17 + V17("c9", "z.mp3", "male_masculine"));
        t.Text(
            "cv-corpus-17.0/de/clip_durations.tsv",
            "clip\tduration[ms]\na.mp3\t3000\nb.mp3\t4500\nc.mp3\t1200\nd.mp3\t2000\ne.mp3\t5000\nf.mp3\t3000\ng.mp3\t400\nh.mp3\t12500\nz.mp3\t3000\n"
        );
        foreach (var c in "abcdeghz")
            t.Text($"cv-corpus-17.0/de/clips/{c}.mp3", "not decoded: durations come from clip_durations.tsv");
        var corpus = Corpus.Open("commonvoice", root);
        var skips = new SkipCounter();
        var kept = corpus.Enumerate(skips).ToList();

        Assert.Equal("de", corpus.Language);
        Assert.False(corpus.Labeled);
        Assert.Equal(["a", "b", "c", "d", "e"], kept.Select(u => u.Id));
        Assert.Equal(["train", "train", "train", "dev", "test"], kept.Select(u => u.Session));
        Assert.Equal(["c1", "c1", "c2", "c3", "c4"], kept.Select(u => u.Speaker));
        Assert.Equal(
            [Gender.Male, Gender.Male, Gender.Female, Gender.Unknown, Gender.Unknown],
            kept.Select(u => u.Gender)
        );
        Assert.Equal([3.0, 4.5, 1.2, 2.0, 5.0], kept.Select(u => u.Duration));
        Assert.All(kept, u =>
        {
            Assert.Null(u.Label);
            Assert.Equal("de", u.Language);
        });
        Assert.Equal(
            new Dictionary<string, int>
            {
                [SkipReasons.Duplicate] = 1,
                [SkipReasons.MissingAudio] = 1,
                [SkipReasons.TooShort] = 1,
                [SkipReasons.TooLong] = 1,
                [SkipReasons.UnparsableLine] = 1,
            },
            SkipMap(skips)
        );
    }

    [Fact]
    public void CommonVoice_OldColumnsOldGendersHeaderDurations()
    {
        using var t = new CorpusTree();
        // ≤ v16 column set without a locale column: the language is the folder name; no clip_durations.tsv.
        const string header = "client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccent\n";
        t.Text("ur/train.tsv", header + "s1\tx1.wav\tجملہ\t2\t0\t\tmale\t\n" + "s2\tx2.wav\tجملہ\t2\t0\t\tfemale\t\n");
        t.Text("ur/dev.tsv", header + "s3\tx3.wav\tجملہ\t2\t0\t\tother\t\n");
        t.Text("ur/test.tsv", header);
        t.Wav("ur/clips/x1.wav", 2.0);
        t.Wav("ur/clips/x2.wav", 0.45);
        t.Wav("ur/clips/x3.wav", 3.0);
        var corpus = Corpus.Open("commonvoice", t.P("ur"));
        var skips = new SkipCounter();
        var kept = corpus.Enumerate(skips).ToList();

        Assert.Equal("ur", corpus.Language);
        Assert.Equal(["x1", "x3"], kept.Select(u => u.Id));
        Assert.Equal([Gender.Male, Gender.Unknown], kept.Select(u => u.Gender));
        Assert.Equal(2.0, kept[0].Duration, 3);
        Assert.Equal(["train", "dev"], kept.Select(u => u.Session));
        Assert.Equal(1, skips[SkipReasons.TooShort]);
        Assert.Equal(1, skips.Total);
    }

    [Theory]
    [InlineData("female", Gender.Female)]
    [InlineData("female_feminine", Gender.Female)]
    [InlineData("Female", Gender.Female)]
    [InlineData("male", Gender.Male)]
    [InlineData("male_masculine", Gender.Male)]
    [InlineData("M", Gender.Male)]
    [InlineData("other", Gender.Unknown)]
    [InlineData("intersex", Gender.Unknown)]
    [InlineData("do_not_wish_to_say", Gender.Unknown)]
    [InlineData("", Gender.Unknown)]
    public void Genders_ParseOldAndNewSpellings(string text, Gender expected) =>
        Assert.Equal(expected, Genders.Parse(text));
}
