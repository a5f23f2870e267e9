using System.Globalization;
using Emolingua.Corpora.Synth;
using Spectre.Console;

namespace Emolingua.Cli.Commands;

/// <summary>Writes small espeak-ng stand-in corpora in the real releases' layouts.</summary>
public sealed class SynthCommand : CliCommand
{
    public override string Name => "synth";
    public override string Usage => "OUTDIR [--scale X] [--seed N] [--jobs N]";
    public override string Summary => "Write small synthetic stand-in corpora (espeak-ng) in the real corpora's layouts and formats.";

    public override int Run(CliArgs args)
    {
        double scale = args.Double("--scale", 1.0);
        int seed = args.Int("--seed", 0);
        int jobs = args.Int("--jobs", 2);
        var pos = args.Positionals();
        if (pos.Count != 1) throw new Util.EmolinguaException("synth: expected OUTDIR (see ./emolingua help synth)");
        if (jobs < 1) throw new Util.EmolinguaException("synth: --jobs must be at least 1");

        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        SynthSummary summary = null!;
        if (Console.IsErrorRedirected)
            summary = SynthCorpora.Generate(pos[0], scale, seed, null, jobs);
        else
            err.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("synth: speaking");
                summary = SynthCorpora.Generate(pos[0], scale, seed, (done, total) => { task.MaxValue = total; task.Value = done; }, jobs);
            });
        foreach (var (corpus, n) in summary.Clips) Console.Out.WriteLine($"{corpus}: {n} clips");
        Console.Out.WriteLine($"wrote {summary.OutDir} in {summary.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        return 0;
    }
}
