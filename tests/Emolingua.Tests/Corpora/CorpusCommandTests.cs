using System.Text.Json;
using Emolingua.Corpora;
using Emolingua.Synth;

namespace Emolingua.Tests.Corpora;

/// <summary>One small synth output shared by the command tests (espeak-ng + ffmpeg, ~80 clips).</summary>
public sealed class SynthFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Out => Path.Combine(Dir.Path, "synth");
    public SynthSummary Summary { get; }

    public SynthFixture() => Summary = SynthCorpora.Generate(Out, scale: 0.1, seed: 3);

    public void Dispose() => Dir.Dispose();
}

[CollectionDefinition("Corpora console", DisableParallelization = true)]
public sealed class ConsoleCollection;

[Collection("Corpora console")]
public class CorpusCommandTests(SynthFixture synth) : IClassFixture<SynthFixture>
{
    private static string RunCapturing(params string[] argv)
    {
        var r = Tests.Cli.CliHarness.RunInProcess(argv);
        Assert.True(r.ExitCode == 0, r.Err);
        return r.Out;
    }

    private static JsonElement CorpusJson(params string[] args) =>
        JsonDocument.Parse(RunCapturing(["corpus", .. args, "--json"])).RootElement;

    private static void AssertShape(JsonElement j, bool labeled)
    {
        string[] keys = labeled
            ? ["kind", "root", "utterances", "classes", "speakers", "genders", "skipped", "folds"]
            : ["kind", "root", "utterances", "speakers", "genders", "skipped", "folds"];
        Assert.Equal(keys, j.EnumerateObject().Select(p => p.Name));
        var n = j.GetProperty("utterances").GetInt32();
        Assert.True(n > 0);
        Assert.Equal(["female", "male", "unknown"], j.GetProperty("genders").EnumerateObject().Select(p => p.Name));
        Assert.Equal(n, j.GetProperty("genders").EnumerateObject().Sum(p => p.Value.GetInt32()));
        if (labeled)
        {
            Assert.Equal(
                ["angry", "happy", "neutral", "sad"],
                j.GetProperty("classes").EnumerateObject().Select(p => p.Name)
            );
            Assert.Equal(n, j.GetProperty("classes").EnumerateObject().Sum(p => p.Value.GetInt32()));
        }
    }

    private static int Skipped(JsonElement j, string? reason = null) =>
        j.GetProperty("skipped")
            .EnumerateObject()
            .Where(p => reason == null || p.Name == reason)
            .Sum(p => p.Value.GetInt32());

    private static int DurationSkips(JsonElement j) =>
        Skipped(j, SkipReasons.TooShort) + Skipped(j, SkipReasons.TooLong);

    [Fact]
    public void EmoDb_CountsMatchTheFileNames()
    {
        var root = Path.Combine(synth.Out, "emodb");
        var j = CorpusJson("emodb", root);
        AssertShape(j, labeled: true);
        var names = Directory.GetFiles(Path.Combine(root, "wav")).Select(Path.GetFileName).ToList();
        var fourClass = names.Where(n => "WFNT".Contains(n![5])).ToList();
        Assert.Equal(names.Count, j.GetProperty("utterances").GetInt32() + Skipped(j));
        Assert.Equal(fourClass.Count - DurationSkips(j), j.GetProperty("utterances").GetInt32());
        Assert.Equal(names.Count - fourClass.Count, Skipped(j) - DurationSkips(j));
        var speakers = fourClass.Select(n => n![..2]).Distinct().Count();
        Assert.Equal(speakers, j.GetProperty("speakers").GetInt32());
        Assert.Equal(Math.Min(5, speakers), j.GetProperty("folds").GetInt32());
        Assert.Equal("emodb", j.GetProperty("kind").GetString());
        Assert.Equal(root, j.GetProperty("root").GetString());
    }

    [Theory]
    [InlineData("ravdess")]
    [InlineData("urdu")]
    [InlineData("subesco")]
    public void SpeakerFoldCorpora_ReadWithoutSpecialCases(string kind)
    {
        var root = Path.Combine(synth.Out, kind);
        var j = CorpusJson(kind, root);
        AssertShape(j, labeled: true);
        var files = Directory.GetFiles(root, "*.wav", SearchOption.AllDirectories).Length;
        Assert.Equal(files, j.GetProperty("utterances").GetInt32() + Skipped(j));
        Assert.Equal(Math.Min(5, j.GetProperty("speakers").GetInt32()), j.GetProperty("folds").GetInt32());
    }

    [Fact]
    public void Iemocap_FiveSessionsTenSpeakers()
    {
        var root = Path.Combine(synth.Out, "iemocap");
        var j = CorpusJson("iemocap", root);
        AssertShape(j, labeled: true);
        Assert.Equal(5, j.GetProperty("folds").GetInt32());
        Assert.Equal(10, j.GetProperty("speakers").GetInt32());
        var wavs = Directory.GetFiles(root, "*.wav", SearchOption.AllDirectories).Length;
        Assert.Equal(wavs, j.GetProperty("utterances").GetInt32() + Skipped(j));
        Assert.Equal(0, j.GetProperty("genders").GetProperty("unknown").GetInt32());
        // Label lines = wavs (synth writes one line per clip); sub-folder files must not add any.
        var lines = Directory
            .GetFiles(root, "*.txt", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "EmoEvaluation")
            .Sum(f => File.ReadLines(f).Count(l => l.StartsWith('[')));
        Assert.Equal(wavs, lines);
    }

    [Theory]
    [InlineData("de")]
    [InlineData("ur")]
    [InlineData("bn")]
    public void CommonVoice_ClipsOfTheThreeSplits(string locale)
    {
        var root = Path.Combine(synth.Out, "commonvoice", "cv", locale);
        var j = CorpusJson("commonvoice", root);
        AssertShape(j, labeled: false);
        Assert.Equal(3, j.GetProperty("folds").GetInt32());
        var listed = new[] { "train", "dev", "test" }.Sum(s =>
            File.ReadLines(Path.Combine(root, s + ".tsv")).Count() - 1
        );
        Assert.Equal(listed, j.GetProperty("utterances").GetInt32() + Skipped(j));
        Assert.Equal(Directory.GetFiles(Path.Combine(root, "clips")).Length, listed);
        Assert.Equal(SynthCorpora.CommonVoiceHeader, File.ReadLines(Path.Combine(root, "train.tsv")).First());
        // MP3 at 48 kHz: frame sync and the MPEG-1 sampling-rate index for 48000 (bits 10-11 of the header = 01).
        var mp3 = File.ReadAllBytes(Directory.GetFiles(Path.Combine(root, "clips"))[0]);
        var sync = Array.FindIndex(mp3, 0, mp3.Length - 4, b => b == 0xFF);
        Assert.True(sync >= 0 && (mp3[sync + 1] & 0xE0) == 0xE0, "no MPEG frame sync");
        Assert.Equal(1, (mp3[sync + 2] >> 2) & 3);
    }

    [Fact]
    public void CommonVoice_WithoutDurationsFile_ReadsMp3Headers()
    {
        var src = Path.Combine(synth.Out, "commonvoice", "cv", "bn");
        var durations = TestCsv
            .Records(Path.Combine(src, "clip_durations.tsv"), '\t')
            .ToDictionary(f => f[0], f => double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture) / 1000);
        using var t = new CorpusTree();
        var root = t.P("bn");
        Directory.CreateDirectory(Path.Combine(root, "clips"));
        foreach (var split in new[] { "train", "dev", "test" })
            File.Copy(Path.Combine(src, split + ".tsv"), Path.Combine(root, split + ".tsv"));
        foreach (var clip in Directory.GetFiles(Path.Combine(src, "clips")))
            File.Copy(clip, Path.Combine(root, "clips", Path.GetFileName(clip)));
        var skips = new SkipCounter();
        var kept = Corpus.Open("commonvoice", root).Enumerate(skips).ToList();
        Assert.Equal(durations.Count, kept.Count + skips.Total);
        Assert.NotEmpty(kept);
        // MP3 frames add encoder delay/padding: header durations agree with the rendered length to ~0.1 s.
        Assert.All(kept, u =>
            Assert.InRange(u.Duration, durations[u.Id + ".mp3"] - 0.1, durations[u.Id + ".mp3"] + 0.1)
        );
    }

    [Fact]
    public void Synth_RefusesAFolderThatIsNotItsOwn()
    {
        using var t = new CorpusTree();
        t.Text("keep.txt", "user data");
        Assert.Throws<Emolingua.Util.EmolinguaException>(() => SynthCorpora.Generate(t.Root, 0.1, 0));
        Assert.True(File.Exists(t.P("keep.txt")));
    }

    [Fact]
    public void ManifestOption_WritesKeptUtterancesReadableBack()
    {
        var root = Path.Combine(synth.Out, "subesco");
        var manifest = Path.Combine(synth.Dir.Path, "subesco.csv");
        var j = JsonDocument
            .Parse(RunCapturing("corpus", "subesco", root, "--json", "--manifest", manifest))
            .RootElement;
        var skips = new SkipCounter();
        var back = Corpus.Open("manifest", manifest).Enumerate(skips).ToList();
        Assert.Equal(0, skips.Total);
        Assert.Equal(j.GetProperty("utterances").GetInt32(), back.Count);
        Assert.All(back, u =>
        {
            Assert.Equal("subesco", u.Corpus);
            Assert.StartsWith("fold", u.Session);
            Assert.NotNull(u.Label);
        });
        // The folds written are the speaker folds: reading back gives the same number of groups.
        Assert.Equal(j.GetProperty("folds").GetInt32(), Folds.Count(FoldScheme.Sessions, back));
        var again = JsonDocument.Parse(RunCapturing("corpus", "manifest", manifest, "--json")).RootElement;
        Assert.Equal(j.GetProperty("classes").ToString(), again.GetProperty("classes").ToString());
        Assert.Equal(j.GetProperty("speakers").GetInt32(), again.GetProperty("speakers").GetInt32());
    }

    [Fact]
    public void TableOutput_IsReadable()
    {
        var text = RunCapturing("corpus", "iemocap", Path.Combine(synth.Out, "iemocap"));
        Assert.Contains("utterances kept", text);
        Assert.Contains("Session5", text);
    }

    [Fact]
    public void Synth_WritesReleaseFormatsAndReadme()
    {
        static int Rate(string wav) => BitConverter.ToInt32(File.ReadAllBytes(wav), 24);
        Assert.All(Directory.GetFiles(Path.Combine(synth.Out, "emodb", "wav")), f => Assert.Equal(16000, Rate(f)));
        Assert.All(Directory.GetFiles(Path.Combine(synth.Out, "ravdess"), "*.wav", SearchOption.AllDirectories), f =>
            Assert.Equal(48000, Rate(f))
        );
        Assert.All(Directory.GetFiles(Path.Combine(synth.Out, "urdu"), "*.wav", SearchOption.AllDirectories), f =>
            Assert.Equal(44100, Rate(f))
        );
        Assert.All(Directory.GetFiles(Path.Combine(synth.Out, "subesco")), f =>
            Assert.Contains(Rate(f), new[] { 44100, 48000 })
        );
        Assert.All(Directory.GetFiles(Path.Combine(synth.Out, "iemocap"), "*.wav", SearchOption.AllDirectories), f =>
            Assert.Equal(16000, Rate(f))
        );
        Assert.StartsWith(SynthCorpora.ReadmeMarker, File.ReadAllText(Path.Combine(synth.Out, "README.txt")));
        Assert.False(Directory.Exists(Path.Combine(synth.Out, ".synth-tmp")));
        Assert.Equal(
            synth.Summary.Clips.Values.Sum(),
            Directory
                .GetFiles(synth.Out, "*.*", SearchOption.AllDirectories)
                .Count(f => f.EndsWith(".wav") || f.EndsWith(".mp3"))
        );
    }

    [Fact]
    public void SynthPlan_SameSeedSameClips_OtherSeedOtherClips()
    {
        static string Describe(SynthJob j) =>
            $"{j.OutPath}|{j.Voice}|{j.Text}|{j.Pitch}|{j.Rate}|{j.Amplitude}|{j.Range}|{j.SampleRate}|{j.NoiseSeed}";
        var a = SynthCorpora.PlanJobs("/tmp/x", 0.5, 11).Select(Describe).ToList();
        var b = SynthCorpora.PlanJobs("/tmp/x", 0.5, 11).Select(Describe).ToList();
        var c = SynthCorpora.PlanJobs("/tmp/x", 0.5, 12).Select(Describe).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(a.Count, a.Select(s => s.Split('|')[0]).Distinct().Count()); // no clip written twice
    }

    [Fact]
    public void SynthPlan_ScaleOneHasTheSuggestedDemoSizes()
    {
        var jobs = SynthCorpora.PlanJobs("/tmp/x", 1, 0);
        int Count(string part) => jobs.Count(j => j.OutPath.Contains(part));
        Assert.Equal(160, Count("/emodb/"));
        Assert.Equal(120, Count("/ravdess/"));
        Assert.Equal(140, Count("/subesco/"));
        Assert.Equal(200, Count("/iemocap/"));
        Assert.Equal(
            10,
            jobs.Where(j => j.OutPath.Contains("/emodb/"))
                .Select(j => Path.GetFileName(j.OutPath)[..2])
                .Distinct()
                .Count()
        );
        Assert.Equal(
            12,
            jobs.Where(j => j.OutPath.Contains("/urdu/"))
                .Select(j => Path.GetFileName(j.OutPath).Split('_')[0])
                .Distinct()
                .Count()
        );
        Assert.InRange(Count("/cv/de/"), 120, 300);
    }
}
