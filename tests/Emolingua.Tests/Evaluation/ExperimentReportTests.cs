using System.Globalization;
using System.Text.Json;
using Emolingua.Evaluation;

namespace Emolingua.Tests.Evaluation;

public class ExperimentReportTests
{
    private static Cell C(
        string method,
        string corpus,
        int seed,
        double acc,
        double f1,
        double uar,
        string? variant = null
    ) =>
        new()
        {
            Method = method,
            Corpus = corpus,
            Seed = seed,
            Fold = 0,
            Accuracy = acc,
            MacroF1 = f1,
            Uar = uar,
            Variant = variant,
        };

    /// <summary>EMO-DB: baseline 3 runs, contrastive 2, no BYOL; URDU: all three with a tie on accuracy.</summary>
    private static ExperimentReport Sample() =>
        ExperimentReport.Build(
            new Protocol
            {
                Folds = 1,
                Seeds = [1, 2, 3],
                Recipe = "paper",
            },
            [
                C("baseline", "emodb", 1, 0.70, 0.60, 0.65),
                C("baseline", "emodb", 2, 0.72, 0.62, 0.65),
                C("baseline", "emodb", 3, 0.74, 0.64, 0.65),
                C("contrastive", "emodb", 1, 0.90, 0.50, 0.80),
                C("contrastive", "emodb", 2, 0.90, 0.52, 0.80),
                C("byol", "urdu", 1, 0.6581, 0.5, 0.5),
                C("contrastive", "urdu", 1, 0.6579, 0.4, 0.6),
                C("baseline", "urdu", 1, 0.5, 0.3, 0.7),
            ]
        );

    [Fact]
    public void Table1_FormatsMeanStd_BoldsBestPerRow_DashesMissing()
    {
        var md = ReportTables.Table1Markdown(Sample()).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("| Corpus | Metric | Baseline | Contrastive | BYOL |", md[0]);
        // Baseline acc mean 0.72, sample std sqrt((0.02²+0+0.02²)/2) = 0.020; contrastive 0.90 (0.000); no BYOL.
        Assert.Equal("| EMO-DB (German) | Accuracy | 0.720 (0.020) | **0.900** (0.000) | – |", md[2]);
        Assert.Equal("|  | Macro F1 | **0.620** (0.020) | 0.510 (0.014) | – |", md[3]);
        Assert.Equal("|  | UAR | 0.650 (0.000) | **0.800** (0.000) | – |", md[4]);
        // 0.6581 and 0.6579 both print as 0.658: a printed tie, both bold.
        Assert.Equal("| URDU (Urdu) | Accuracy | 0.500 (0.000) | **0.658** (0.000) | **0.658** (0.000) |", md[5]);
        Assert.Equal("|  | UAR | **0.700** (0.000) | 0.600 (0.000) | 0.500 (0.000) |", md[7]);
    }

    [Fact]
    public void Table1Text_IsAlignedAndMarksBest()
    {
        var text = ReportTables.Table1Text(Sample());
        var lines = text.Split('\n');
        Assert.StartsWith("Corpus", lines[0]);
        Assert.Contains("0.900 (0.000)*", text);
        Assert.Contains("0.720 (0.020) ", text);
        Assert.Contains("–", lines[2]);
        // Columns are right-aligned: every data row of Table 1 has the same length up to its last cell.
        var widths = lines.Skip(2).Take(6).Select(l => l.TrimEnd().Length).Distinct().Count();
        Assert.True(widths <= 2, text);
    }

    [Fact]
    public void Table1_UsesInvariantCulture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var r = Sample();
            Assert.Contains("0.720 (0.020)", ReportTables.Table1Markdown(r));
            Assert.Contains("\"mean\": 0.9,", r.ToJson());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void VariantColumns_FollowTheThreeMethods()
    {
        var r = ExperimentReport.Build(
            new Protocol(),
            [
                C("contrastive", "emodb", 1, 0.8, 0.8, 0.8, variant: "contrastive:commonvoice"),
                C("contrastive", "emodb", 1, 0.7, 0.7, 0.7, variant: "contrastive:target"),
                C("baseline", "emodb", 1, 0.6, 0.6, 0.6),
            ]
        );
        Assert.Equal(["baseline", "contrastive", "byol", "contrastive:commonvoice", "contrastive:target"], r.Columns());
        var header = ReportTables.Table1Markdown(r).Split('\n')[0];
        Assert.Equal(
            "| Corpus | Metric | Baseline | Contrastive | BYOL | contrastive:commonvoice | contrastive:target |",
            header.TrimEnd()
        );
        Assert.Equal("contrastive", r.Find("contrastive:target", "emodb")!.Method);
    }

    [Fact]
    public void Table2_SignedDifferences_InPaperLayout()
    {
        // Two runs per method; mean contrastive − mean baseline row "angry" = [+20, −16, −4, 0] as in the paper.
        var protocol = new Protocol();
        Cell WithCm(string m, int seed, int[][] cm) =>
            new()
            {
                Method = m,
                Corpus = "emodb",
                Seed = seed,
                Accuracy = 0.5,
                MacroF1 = 0.5,
                Uar = 0.5,
                ConfusionMatrix = cm,
            };
        int[][] b1 =
        [
            [40, 30, 10, 0],
            [0, 10, 1, 1],
            [0, 1, 10, 0],
            [0, 0, 40, 10],
        ];
        int[][] b2 =
        [
            [40, 32, 4, 0],
            [0, 11, 2, 0],
            [0, 2, 10, 0],
            [0, 0, 40, 10],
        ];
        int[][] c1 =
        [
            [60, 15, 3, 0],
            [0, 10, 0, 2],
            [0, 0, 9, 2],
            [0, 0, 14, 36],
        ];
        int[][] c2 =
        [
            [60, 15, 3, 0],
            [0, 9, 1, 2],
            [0, 1, 9, 2],
            [0, 0, 14, 36],
        ];
        // Hand: baseline mean row0 [40, 31, 7, 0], contrastive [60, 15, 3, 0] → [+20, −16, −4, 0];
        // row1 [0, 10.5, 1.5, 0.5] vs [0, 9.5, 0.5, 2] → [0, −1, −1, +1.5 → +2 (half away from zero)];
        // row2 [0, 1.5, 10, 0] vs [0, 0.5, 9, 2] → [0, −1, −1, +2]; row3 [0, 0, 40, 10] vs [0, 0, 14, 36] → [0, 0, −26,
        // +26].
        var r = ExperimentReport.Build(
            protocol,
            [
                WithCm("baseline", 1, b1),
                WithCm("baseline", 2, b2),
                WithCm("contrastive", 1, c1),
                WithCm("contrastive", 2, c2),
            ]
        );
        var md = ReportTables.Table2Markdown(r).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("| Truth \\ Pred | angry | happy | neutral | sad |", md[2]);
        Assert.Equal("| angry | +20 | -16 | -4 | 0 |", md[4]);
        Assert.Equal("| happy | 0 | -1 | -1 | +2 |", md[5]);
        Assert.Equal("| neutral | 0 | -1 | -1 | +2 |", md[6]);
        Assert.Equal("| sad | 0 | 0 | -26 | +26 |", md[7]);
        // Exact (unrounded) values stay available in JSON.
        Assert.Equal(1.5, r.ConfusionDifference("emodb")![1][3]);
        Assert.Equal([10.5, 1.5], r.Find("baseline", "emodb")!.ConfusionMatrixMean![1][1..3]);
    }

    [Theory]
    [InlineData(20.0, "+20")]
    [InlineData(-16.0, "-16")]
    [InlineData(0.4, "0")]
    [InlineData(-0.4, "0")]
    [InlineData(2.5, "+3")]
    [InlineData(-2.5, "-3")]
    public void Signed_Format(double v, string expected) => Assert.Equal(expected, ReportTables.Signed(v));

    [Fact]
    public void Json_HasContractFieldNames_AndRoundTrips()
    {
        int[] t = [0, 1, 2, 3, 0, 1, 2, 3],
            p = [0, 1, 2, 2, 0, 0, 2, 3];
        string[] g = ["female", "male", "male", "male", "female", "female", "male", "unknown"];
        string[] labels = ["angry", "happy", "neutral", "sad"];
        var protocol = new Protocol
        {
            Folds = 5,
            Seeds = [1, 2],
            SplitHash = "abc123",
            Recipe = "paper",
            EmolinguaVersion = "0.1.0",
        };
        protocol.Extra = new() { ["device"] = "cpu" };
        var cells = new List<Cell>
        {
            Cell.FromPredictions(
                "contrastive",
                "urdu",
                3,
                2,
                t,
                p,
                labels,
                g,
                runDir: "runs/x",
                speakers: ["a", "a", "a", "a", "b", "b", "b", "b"],
                bootstrapResamples: 200
            ),
            Cell.Failed("byol", "urdu", 3, 2, "out of memory"),
        };
        var r = ExperimentReport.Build(protocol, cells);
        using var doc = JsonDocument.Parse(r.ToJson());
        var root = doc.RootElement;
        Assert.Equal("cpu", root.GetProperty("protocol").GetProperty("device").GetString());
        Assert.Equal("abc123", root.GetProperty("protocol").GetProperty("split_hash").GetString());
        var res = root.GetProperty("results");
        Assert.Equal(1, res.GetArrayLength()); // the failed BYOL run produces no summary
        var s = res[0];
        Assert.Equal("contrastive", s.GetProperty("method").GetString());
        Assert.Equal("urdu", s.GetProperty("corpus").GetString());
        Assert.Equal(0.75, s.GetProperty("accuracy").GetProperty("mean").GetDouble(), 12); // 6 of 8 correct
        Assert.Equal(0, s.GetProperty("accuracy").GetProperty("std").GetDouble());
        Assert.True(s.TryGetProperty("macro_f1", out _));
        Assert.Equal(0.75, s.GetProperty("uar").GetProperty("mean").GetDouble(), 12); // recalls 1, .5, 1, .5
        Assert.Equal(1, s.GetProperty("runs").GetInt32());
        // female: 3 of 3 correct except index 5 (1→0): 2/3; male: indices 1,2,3,6 → 3/4.
        Assert.Equal(
            2.0 / 3,
            s.GetProperty("gender_accuracy").GetProperty("female").GetProperty("mean").GetDouble(),
            12
        );
        var cell = root.GetProperty("cells")[0];
        Assert.Equal(3, cell.GetProperty("fold").GetInt32());
        Assert.Equal(2, cell.GetProperty("seed").GetInt32());
        Assert.Equal("ok", cell.GetProperty("status").GetString());
        Assert.Equal("runs/x", cell.GetProperty("run_dir").GetString());
        Assert.Equal(
            0.75,
            cell.GetProperty("gender_accuracy").GetProperty("male").GetProperty("accuracy").GetDouble(),
            12
        );
        Assert.Equal("failed", root.GetProperty("cells")[1].GetProperty("status").GetString());
        Assert.Equal(
            0.75,
            cell.GetProperty("speaker_accuracy").GetProperty("a").GetProperty("accuracy").GetDouble(),
            12
        ); // index 3 wrong
        var ci = cell.GetProperty("bootstrap_95").GetProperty("uar");
        Assert.InRange(0.75, ci.GetProperty("lower").GetDouble(), ci.GetProperty("upper").GetDouble());

        var back = ExperimentReport.FromJson(r.ToJson());
        Assert.Equal(r.ToJson(), back.ToJson());
        Assert.Equal(1, back.Results[0].Runs);
    }

    [Fact]
    public void GenderTable_AndFullMarkdown()
    {
        int[] t = [0, 1, 2, 3],
            p = [0, 1, 0, 0];
        string[] g = ["female", "female", "male", "male"];
        string[] labels = ["angry", "happy", "neutral", "sad"];
        var r = ExperimentReport.Build(
            new Protocol(),
            [
                Cell.FromPredictions("baseline", "urdu", 0, 1, t, p, labels, g),
                Cell.FromPredictions("baseline", "urdu", 0, 2, t, [0, 0, 2, 0], labels, g),
                Cell.FromPredictions("contrastive", "urdu", 0, 1, t, t, labels, g),
            ]
        );
        var gt = ReportTables.GenderTableMarkdown(r).Split('\n');
        Assert.Equal("| Corpus | Method | Female | Male |", gt[0].TrimEnd());
        // Baseline female: runs 1.0 and 0.5 → 0.750 (0.354); male: 0.0 and 0.5 → 0.250 (0.354).
        Assert.Equal("| URDU (Urdu) | Baseline | 0.750 (0.354) | 0.250 (0.354) |", gt[2].TrimEnd());
        Assert.Equal("|  | Contrastive | 1.000 (0.000) | 1.000 (0.000) |", gt[3].TrimEnd());
        var md = ReportTables.Markdown(
            r,
            [
                new FigureLink("t-SNE URDU", "figures/tsne_urdu.png", Embed: true),
                new FigureLink("CM", "figures/cm urdu.png"),
            ]
        );
        Assert.Contains("## Table 1", md);
        Assert.Contains("## Table 2", md);
        // Table 2 happy row, by hand: contrastive [0, 1, 0, 0] − baseline mean [0.5, 0.5, 0, 0] = [−0.5, +0.5, 0, 0],
        // rounded half away from zero.
        Assert.Contains("| happy | -1 | +1 | 0 | 0 |", md);
        Assert.Contains("![t-SNE URDU](figures/tsne_urdu.png)", md);
        Assert.Contains("- [CM](figures/cm%20urdu.png)", md);
    }

    [Fact]
    public void Build_RejectsUnknownMethod() =>
        Assert.Throws<ArgumentException>(() =>
            ExperimentReport.Build(new Protocol(), [C("simclr", "emodb", 1, 0.5, 0.5, 0.5)])
        );

    [Fact]
    public void SaveAndLoad()
    {
        using var dir = new TempDir();
        var r = Sample();
        r.Save(dir.File("results.json"));
        ReportTables.SaveMarkdown(r, dir.File("report.md"));
        Assert.Equal(r.ToJson(), ExperimentReport.Load(dir.File("results.json")).ToJson());
        Assert.Contains("**0.900**", File.ReadAllText(dir.File("report.md")));
        File.WriteAllText(dir.File("bad.json"), "{");
        Assert.Throws<Emolingua.Util.EmolinguaException>(() => ExperimentReport.Load(dir.File("bad.json")));
    }
}
