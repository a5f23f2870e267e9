using Emolingua.Corpora;
using Emolingua.Util;
using static Emolingua.Tests.Corpora.AdapterFixture;

namespace Emolingua.Tests.Corpora;

// Adapters of acted corpora whose labels come from file or folder names (EmoDB, RAVDESS, Urdu, SUBESCO).
public class AdapterTests
{
    [Fact]
    public void EmoDb_ParsesNamesFiltersLabelsAndDurations()
    {
        using var t = new CorpusTree();
        t.Wav("wav/03a01Fa.wav", 1.0);
        t.Wav("wav/03a01Wa.wav", 2.0);
        t.Wav("wav/08a02Na.wav", 1.5);
        t.Wav("wav/09b01Ta.wav", 3.0);
        t.Wav("wav/15a07Tc.wav", 0.5); // boundary: kept
        t.Wav("wav/16a05Nb.wav", 12.0); // boundary: kept
        t.Wav("wav/10a01La.wav"); // boredom
        t.Wav("wav/11a02Ea.wav"); // disgust
        t.Wav("wav/12a04Aa.wav"); // fear
        t.Wav("wav/13a01Fb.wav", 0.4); // too short
        t.Wav("wav/14a01Wa.wav", 12.5); // too long
        t.Wav("wav/badname.wav");
        t.Text("wav/.DS_Store", "x");
        t.Text("wav/notes.txt", "x");
        var (kept, skips) = Read("emodb", t.Root);

        Assert.Equal(["03a01Fa", "03a01Wa", "08a02Na", "09b01Ta", "15a07Tc", "16a05Nb"], kept.Select(u => u.Id));
        Assert.Equal(
            new Emotion?[] { Emotion.Happy, Emotion.Angry, Emotion.Neutral, Emotion.Sad, Emotion.Sad, Emotion.Neutral },
            kept.Select(u => u.Label)
        );
        Assert.Equal(["03", "03", "08", "09", "15", "16"], kept.Select(u => u.Speaker));
        Assert.Equal(
            [Gender.Male, Gender.Male, Gender.Female, Gender.Female, Gender.Male, Gender.Female],
            kept.Select(u => u.Gender)
        );
        Assert.All(kept, u =>
        {
            Assert.Equal("de", u.Language);
            Assert.Equal("emodb", u.Corpus);
            Assert.Null(u.Session);
            Assert.True(File.Exists(u.Path));
        });
        Assert.Equal(2.0, kept[1].Duration, 3);
        Assert.Equal("W", kept[1].OriginalLabel);
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["label L"] = 1,
                ["label E"] = 1,
                ["label A"] = 1,
                [SkipReasons.TooShort] = 1,
                [SkipReasons.TooLong] = 1,
                [SkipReasons.UnparsableName] = 2,
                [SkipReasons.HiddenFile] = 1,
            },
            SkipMap(skips)
        );
    }

    [Fact]
    public void Open_RejectsWrongLayoutAndUnknownKind()
    {
        using var t = new CorpusTree();
        t.Wav("03a01Fa.wav");
        Assert.Throws<EmolinguaException>(() => Corpus.Open("emodb", t.Root));
        Assert.Throws<EmolinguaException>(() => Corpus.Open("ravdess", t.Root));
        Assert.Throws<EmolinguaException>(() => Corpus.Open("iemocap", t.Root));
        Assert.Throws<EmolinguaException>(() => Corpus.Open("msp-podcast", t.Root));
        Assert.Throws<EmolinguaException>(() => Corpus.Open("commonvoice", t.Root));
        Assert.Throws<EmolinguaException>(() => Corpus.Open("nonsense", t.Root));
        Assert.Throws<EmolinguaException>(() => Corpus.Open("emodb", t.P("missing")));
    }

    [Fact]
    public void Ravdess_KeepsAudioOnlySpeechOfFourClasses()
    {
        using var t = new CorpusTree();
        t.Wav("Actor_01/03-01-05-01-01-01-01.wav", 3.0); // angry, male
        t.Wav("Actor_01/03-02-03-01-01-01-01.wav"); // song
        t.Text("Actor_01/02-01-03-01-01-01-01.mp4", "v"); // video-only
        t.Text("Actor_01/01-01-04-01-01-01-01.mp4", "v"); // full AV
        t.Text("Actor_01/readme.txt", "x");
        t.Wav("Actor_02/03-01-01-01-01-01-02.wav"); // neutral, female
        t.Wav("Actor_02/03-01-02-01-01-01-02.wav"); // calm: dropped
        t.Wav("Actor_02/03-01-04-02-02-02-02.wav"); // sad strong
        t.Wav("Actor_02/03-01-06-01-01-01-02.wav"); // fearful
        t.Wav("Actor_02/03-01-03-01-01-02-02.wav", 0.3); // happy, too short
        var (kept, skips) = Read("ravdess", t.Root);

        Assert.Equal(["03-01-05-01-01-01-01", "03-01-01-01-01-01-02", "03-01-04-02-02-02-02"], kept.Select(u => u.Id));
        Assert.Equal(new Emotion?[] { Emotion.Angry, Emotion.Neutral, Emotion.Sad }, kept.Select(u => u.Label));
        Assert.Equal(["Actor_01", "Actor_02", "Actor_02"], kept.Select(u => u.Speaker));
        Assert.Equal([Gender.Male, Gender.Female, Gender.Female], kept.Select(u => u.Gender));
        Assert.All(kept, u => Assert.Equal("en", u.Language));
        Assert.Equal(
            new Dictionary<string, int>
            {
                [SkipReasons.NotAudioOnlySpeech] = 3,
                [SkipReasons.UnparsableName] = 1,
                ["label calm"] = 1,
                ["label fearful"] = 1,
                [SkipReasons.TooShort] = 1,
            },
            SkipMap(skips)
        );
    }

    [Fact]
    public void Ravdess_FindsActorFoldersOneLevelDown()
    {
        using var t = new CorpusTree();
        t.Wav("Audio_Speech_Actors_01-24/Actor_03/03-01-03-01-01-01-03.wav");
        var (kept, _) = Read("ravdess", t.Root);
        Assert.Equal("Actor_03", Assert.Single(kept).Speaker);
    }

    [Fact]
    public void Urdu_LabelsFromFoldersSpeakersFromNames()
    {
        using var t = new CorpusTree();
        t.Wav("Angry/SM1_F1_A001.wav", 2.0);
        t.Wav("Happy/SF2_F3_H001.wav");
        t.Wav("Neutral/SM5_F63_N091.wav");
        t.Wav("Sad/SF1_F4_S002.wav");
        t.Wav("Sad/SM1_F5_A002.wav"); // letter says angry, folder says sad
        t.Wav("Neutral/foo.wav");
        t.Wav("Happy/SM5_F64_H002.wav", 13.0);
        var (kept, skips) = Read("urdu", t.Root);

        Assert.Equal(["SM1_F1_A001", "SF2_F3_H001", "SM5_F63_N091", "SF1_F4_S002"], kept.Select(u => u.Id));
        Assert.Equal(
            new Emotion?[] { Emotion.Angry, Emotion.Happy, Emotion.Neutral, Emotion.Sad },
            kept.Select(u => u.Label)
        );
        Assert.Equal(["SM1", "SF2", "SM5", "SF1"], kept.Select(u => u.Speaker));
        Assert.Equal([Gender.Male, Gender.Female, Gender.Male, Gender.Female], kept.Select(u => u.Gender));
        Assert.All(kept, u => Assert.Equal("ur", u.Language));
        Assert.Equal(
            new Dictionary<string, int>
            {
                [SkipReasons.LabelMismatch] = 1,
                [SkipReasons.UnparsableName] = 1,
                [SkipReasons.TooLong] = 1,
            },
            SkipMap(skips)
        );
    }

    [Fact]
    public void Subesco_ParsesFlatFolder()
    {
        using var t = new CorpusTree();
        t.Wav("F_01_OISHI_S_1_HAPPY_1.wav", 4.0);
        t.Wav("F_01_OISHI_S_3_SAD_2.wav");
        t.Wav("F_02_MONIKA_S_1_NEUTRAL_1.wav");
        t.Wav("F_02_MONIKA_S_1_SURPRISE_1.wav");
        t.Wav("M_01_BASHIR_S_10_ANGRY_5.wav");
        t.Wav("M_09_SHUMANTA_S_2_FEAR_2.wav");
        t.Wav("M_10_EVAN_S_2_DISGUST_1.wav");
        t.Wav("random.wav");
        var (kept, skips) = Read("subesco", t.Root);

        Assert.Equal(["F_01_OISHI", "F_01_OISHI", "F_02_MONIKA", "M_01_BASHIR"], kept.Select(u => u.Speaker));
        Assert.Equal(
            new Emotion?[] { Emotion.Happy, Emotion.Sad, Emotion.Neutral, Emotion.Angry },
            kept.Select(u => u.Label)
        );
        Assert.Equal([Gender.Female, Gender.Female, Gender.Female, Gender.Male], kept.Select(u => u.Gender));
        Assert.Equal(4.0, kept[0].Duration, 3);
        Assert.All(kept, u => Assert.Equal("bn", u.Language));
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["label SURPRISE"] = 1,
                ["label FEAR"] = 1,
                ["label DISGUST"] = 1,
                [SkipReasons.UnparsableName] = 1,
            },
            SkipMap(skips)
        );
    }
}
