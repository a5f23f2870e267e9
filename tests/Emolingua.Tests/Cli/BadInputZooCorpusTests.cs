using System.Text.Json.Nodes;
using static Emolingua.Tests.Cli.CliHarness;

namespace Emolingua.Tests.Cli;

/// <summary>The bad-input zoo, corpus folders, label files and manifests: what <c>corpus</c> refuses, and a bad line
/// that is skipped.</summary>
public class BadInputZooCorpusTests : BadInputZoo
{
    private const string KnownKinds =
        "kinds: emodb, ravdess, urdu, subesco, iemocap, msp-podcast, commonvoice, manifest";

    public static TheoryData<string> CorpusKinds() =>
        [
            "unknown kind",
            "root missing",
            "emodb without wav/",
            "manifest without a path column",
            "manifest whose lines are all unreadable",
            "manifest that is a folder",
            "MSP-Podcast labels without EmoClass",
            "Common Voice TSV without client_id",
            "IEMOCAP evaluation file without evaluation lines",
        ];

    /// <summary>(corpus kind, root, what the error names, the problem).</summary>
    private (string Kind, string Root, string Names, string Problem) BadCorpus(string kind)
    {
        var root = Dir.File("corpus-" + kind.Replace(' ', '-').Replace('/', '_'));
        Directory.CreateDirectory(root);
        string Text(string relative, string text)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return path;
        }
        switch (kind)
        {
            case "unknown kind":
                return ("emodbb", root, root, $"unknown corpus kind 'emodbb' (did you mean 'emodb'?); {KnownKinds}");
            case "root missing":
                return ("ravdess", Path.Combine(root, "nope"), Path.Combine(root, "nope"), "no such folder");
            case "emodb without wav/":
                return (
                    "emodb",
                    root,
                    root,
                    "no wav/ folder inside, so not the EMO-DB layout (expected root/wav/03a01Fa.wav ...)"
                );
            case "manifest without a path column":
                var m1 = Text("m.csv", "file,label\na.wav,angry\n");
                return ("manifest", m1, m1, "manifest header has no 'path' column");
            case "manifest whose lines are all unreadable":
                var m2 = Text("m.jsonl", "[{\"path\": \"a.wav\", \"label\": \"angry\"}]\n[{\"path\": \"b.wav\"}]\n");
                return (
                    "manifest",
                    m2,
                    m2,
                    "no row of the manifest could be read (row 1: not a JSON object with a \"path\")"
                );
            case "manifest that is a folder":
                return ("manifest", root, root, "is a folder; the manifest adapter takes a .csv or .jsonl file");
            case "MSP-Podcast labels without EmoClass":
                Directory.CreateDirectory(Path.Combine(root, "Audios"));
                var labels = Text("Labels/labels_consensus.csv", "FileName,Emotion,Split_Set\nx.wav,A,Train\n");
                return ("msp-podcast", root, labels, "header lacks FileName, EmoClass or Split_Set");
            case "Common Voice TSV without client_id":
                Directory.CreateDirectory(Path.Combine(root, "clips"));
                foreach (var split in new[] { "dev", "test" })
                    Text(split + ".tsv", "client_id\tpath\tsentence\n");
                var train = Text("train.tsv", "speaker\tpath\tsentence\nabc\tx.mp3\thello\n");
                return ("commonvoice", root, train, "header lacks client_id or path");
            case "IEMOCAP evaluation file without evaluation lines":
                Directory.CreateDirectory(Path.Combine(root, "Session1", "sentences", "wav"));
                var eval = Text(
                    "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt",
                    "this is not\nan evaluation file\n"
                );
                return (
                    "iemocap",
                    root,
                    eval,
                    "no evaluation lines (\"[START - END]\tTURN\tEMOTION\t[V, A, D]\"): not an IEMOCAP EmoEvaluation file"
                );
            default:
                throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(CorpusKinds))]
    public void Corpus_RefusesBadFolder(string kind)
    {
        var (corpusKind, root, names, problem) = BadCorpus(kind);
        var manifest = FreshOutput("kept.csv");
        AssertRefused(
            RunChild("corpus", corpusKind, root, "--json", "--manifest", manifest),
            $"error: {names}: {problem}"
        );
        AssertNothingWritten(manifest);
    }

    /// <summary>One bad line in a good manifest is skipped and counted, never carried as NaN into the report.</summary>
    [Fact]
    public void Corpus_ManifestDurationNaN_IsSkippedAndNothingNonFiniteIsPrinted()
    {
        var folder = Dir.File("nan-manifest");
        Directory.CreateDirectory(folder);
        TestWav.WritePcm16Mono(Path.Combine(folder, "a.wav"), TestWav.Voiced(1, 16000), 16000);
        TestWav.WritePcm16Mono(Path.Combine(folder, "b.wav"), TestWav.Voiced(2, 16000), 16000);
        var manifest = Path.Combine(folder, "m.csv");
        File.WriteAllText(manifest, "path,label,speaker,duration\na.wav,angry,s1,NaN\nb.wav,sad,s2,\n");
        var kept = Path.Combine(folder, "kept.csv");
        var r = RunChild("corpus", "manifest", manifest, "--json", "--manifest", kept);
        Assert.Equal(0, r.ExitCode);
        var report = JsonNode.Parse(r.Out)!;
        Assert.Equal(1, report["utterances"]!.GetValue<int>()); // b.wav, its duration read from the header
        Assert.Equal(1, report["skipped"]![Emolingua.Corpora.SkipReasons.InvalidDuration]!.GetValue<int>());
        var rows = File.ReadAllLines(kept);
        Assert.Equal(2, rows.Length);
        Assert.EndsWith(",2", rows[1]); // the duration column: 2 s
        var table = RunChild("corpus", "manifest", manifest);
        Assert.Equal(0, table.ExitCode);
        foreach (var output in new[] { r.Out, File.ReadAllText(kept), table.Out })
        {
            Assert.DoesNotContain("NaN", output);
            Assert.DoesNotContain("Infinity", output);
            Assert.DoesNotContain("∞", output);
        }
    }
}
