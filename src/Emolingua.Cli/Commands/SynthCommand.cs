using System.CommandLine;
using System.Globalization;
using Emolingua.Synth;

namespace Emolingua.Cli.Commands;

/// <summary>Writes small espeak-ng stand-in corpora in the real releases' layouts.</summary>
public sealed class SynthCommand : CliCommand
{
    private readonly Argument<string> _outDir = new("OUTDIR")
    {
        Description = "the folder to write (created; must be empty or an earlier synth output)",
    };
    private readonly Option<double> _scale = CliOptions.Double("--scale", 1.0, "corpus size relative to the demo's");
    private readonly Option<int> _seed = CliOptions.Int("--seed", 0, "fixes the file list, labels and audio");
    private readonly Option<int> _jobs = CliOptions.Int("--jobs", 2, "espeak-ng processes at once", min: 1);

    public SynthCommand()
        : base("synth", "Write small synthetic stand-in corpora (espeak-ng) in the real corpora's layouts and formats.")
    {
        Add(_outDir);
        Add(_scale);
        Add(_seed);
        Add(_jobs);
    }

    protected override int Run(ParseResult parsed)
    {
        var summary = Generate(
            parsed.GetValue(_outDir)!,
            parsed.GetValue(_scale),
            parsed.GetValue(_seed),
            parsed.GetValue(_jobs)
        );
        foreach (var (corpus, n) in summary.Clips)
            Console.Out.WriteLine($"{corpus}: {n} clips");
        Console.Out.WriteLine(
            $"wrote {summary.OutDir} in {summary.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
        );
        return 0;
    }

    /// <summary>Generates the stand-ins with a progress bar on stderr when someone is watching.</summary>
    public static SynthSummary Generate(string outDir, double scale, int seed, int jobs) =>
        ProgressBars.Count("synth: speaking", progress => SynthCorpora.Generate(outDir, scale, seed, progress, jobs));
}
