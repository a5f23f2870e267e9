using System.CommandLine;
using System.Text.Json.Nodes;
using Emolingua.Corpora;
using Emolingua.Util;
using Spectre.Console;

namespace Emolingua.Cli.Commands;

/// <summary>Lists a corpus as released: kept utterances, classes, speakers, genders, skips by reason, folds.</summary>
public sealed class CorpusCommand : CliCommand
{
    private readonly Argument<string> _kind = new("KIND") { Description = "one of " + string.Join(", ", Corpus.Kinds) };
    private readonly Argument<string> _root = new("ROOT")
    {
        Description = "the corpus folder as released (or the manifest file)",
    };
    private readonly Option<bool> _json = CliOptions.Flag(
        "--json",
        "print the counts as one JSON object instead of a table"
    );
    private readonly Option<string?> _manifest = CliOptions.OptionalPath(
        "--manifest",
        "OUT.csv|OUT.jsonl",
        "write the kept utterances with every field and their fold"
    );
    private readonly Option<int> _folds = CliOptions.Int(
        "--folds",
        Folds.DefaultK,
        "speaker folds to deal corpora without official splits into",
        min: 1
    );
    private readonly Option<int> _seed = CliOptions.Int("--seed", Folds.DefaultSeed, "the fold shuffle's seed");

    public CorpusCommand()
        : base(
            "corpus",
            "Read a corpus folder (or manifest) and report kept utterances, classes, speakers, skips and folds."
        )
    {
        Add(_kind);
        Add(_root);
        Add(_json);
        Add(_manifest);
        Add(_folds);
        Add(_seed);
    }

    protected override int Run(ParseResult parsed)
    {
        var corpus = Corpus.Open(parsed.GetValue(_kind)!, parsed.GetValue(_root)!);
        var skips = new SkipCounter();
        var utterances = Read(corpus, skips);
        var groups = Folds.Groups(corpus.Scheme, utterances, parsed.GetValue(_folds), parsed.GetValue(_seed));
        var report = CorpusReport.From(corpus, utterances, skips, groups);

        if (parsed.GetValue(_manifest) is { } manifest)
            Manifest.Write(manifest, utterances.Select((u, i) => u with { Session = groups[i] }));

        if (parsed.GetValue(_json))
            Console.Out.WriteLine(report.ToJson());
        else
            report.WriteTable(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) }));
        return 0;
    }

    // Metadata only (no audio); a live count on stderr for big corpora when someone is watching.
    private static List<Utterance> Read(ICorpus corpus, SkipCounter skips)
    {
        if (Console.IsErrorRedirected)
            return corpus.Enumerate(skips).ToList();
        var list = new List<Utterance>();
        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        err.Status()
            .Start($"reading {corpus.Kind}...", ctx =>
            {
                foreach (var u in corpus.Enumerate(skips))
                {
                    list.Add(u);
                    if (list.Count % 500 == 0)
                        ctx.Status($"reading {corpus.Kind}: {list.Count} kept, {skips.Total} skipped");
                }
            });
        return list;
    }
}

/// <summary>The numbers <c>corpus</c> reports (the JSON is a contract: keys and meaning fixed).</summary>
public sealed record CorpusReport(
    string Kind,
    string Root,
    string Language,
    int Utterances,
    IReadOnlyDictionary<Emotion, int>? Classes,
    int Speakers,
    IReadOnlyDictionary<Gender, int> Genders,
    IReadOnlyList<KeyValuePair<string, int>> Skipped,
    int Folds,
    IReadOnlyList<(string Group, int Count)> GroupSizes,
    double Hours
)
{
    public static CorpusReport From(
        ICorpus corpus,
        IReadOnlyList<Utterance> kept,
        SkipCounter skips,
        IReadOnlyList<string> groups
    )
    {
        var classes = corpus.Labeled ? Emotions.All.ToDictionary(e => e, e => kept.Count(u => u.Label == e)) : null;
        var genders = new[] { Gender.Female, Gender.Male, Gender.Unknown }.ToDictionary(
            g => g,
            g => kept.Count(u => u.Gender == g)
        );
        var speakers = kept.Where(u => u.HasKnownSpeaker)
            .Select(u => u.Speaker)
            .Distinct(StringComparer.Ordinal)
            .Count();
        var sizes = groups
            .GroupBy(g => g, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .ToList();
        return new CorpusReport(
            corpus.Kind,
            corpus.Root,
            corpus.Language,
            kept.Count,
            classes,
            speakers,
            genders,
            skips.Counts,
            sizes.Count,
            sizes,
            kept.Sum(u => u.Duration) / 3600.0
        );
    }

    public string ToJson()
    {
        var json = new JsonObject
        {
            ["kind"] = Kind,
            ["root"] = Root,
            ["utterances"] = Utterances,
        };
        if (Classes != null)
        {
            json["classes"] = new JsonObject(
                Emotions.All.Select(e => KeyValuePair.Create(e.Name(), (JsonNode?)Classes[e]))
            );
        }

        json["speakers"] = Speakers;
        json["genders"] = new JsonObject(
            new[] { Gender.Female, Gender.Male, Gender.Unknown }.Select(g =>
                KeyValuePair.Create(g.Name(), (JsonNode?)Genders[g])
            )
        );
        json["skipped"] = new JsonObject(Skipped.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value)));
        json["folds"] = Folds;
        return Json.Text(json, indented: false);
    }

    public void WriteTable(IAnsiConsole console)
    {
        var t = new Table()
            .Title($"{Kind} ({Language})  {Markup.Escape(Root)}")
            .AddColumn("")
            .AddColumn(new TableColumn("count").RightAligned());
        t.AddRow("utterances kept", Utterances.ToString());
        t.AddRow("hours kept", Hours.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        if (Classes != null)
        {
            foreach (var e in Emotions.All)
                t.AddRow("  " + e.Name(), Classes[e].ToString());
        }

        t.AddRow("speakers", Speakers.ToString());
        foreach (var (g, n) in Genders)
            t.AddRow("  " + g.Name(), n.ToString());
        t.AddRow($"folds", Folds.ToString());
        foreach (var (g, n) in GroupSizes)
            t.AddRow("  " + Markup.Escape(g), n.ToString());
        t.AddRow("skipped", Skipped.Sum(s => s.Value).ToString());
        foreach (var (reason, n) in Skipped)
            t.AddRow("  " + Markup.Escape(reason), n.ToString());
        console.Write(t);
    }
}
