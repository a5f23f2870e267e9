using System.CommandLine;
using System.CommandLine.Parsing;
using Emolingua.Experiments;

namespace Emolingua.Cli;

/// <summary>
/// The Slurm request options that <c>experiment --slurm</c> and <c>predict --slurm</c> share, each command with its
/// own help wording: added after the command's --slurm flag, refused without it, read into one
/// <see cref="SlurmGrid.Options"/>.
/// </summary>
internal sealed class SlurmOptions
{
    private readonly Option<bool> _wait;
    private readonly Option<int?> _maxParallel;
    private readonly Option<string?> _partition = new("--partition")
    {
        HelpName = "P",
        Description = "--slurm: the partition",
    };
    private readonly Option<string?> _time;
    private readonly Option<int?> _cpus;
    private readonly Option<string?> _mem;
    private readonly Option<int?> _gpus;
    private readonly Option<int> _maxRequeues;
    private readonly Option<string[]> _sbatchArgs = new("--sbatch-arg")
    {
        HelpName = "ARG",
        Description = "--slurm: another sbatch option, written --sbatch-arg=--account=lab (repeatable)",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    /// <param name="unit">What one array task runs, in the help ("task", "shard"); <paramref name="units"/> its plural
    /// for --max-parallel.</param>
    /// <param name="wait">--wait's help.</param>
    /// <param name="cpusDefault">Where --cpus-per-task's default comes from.</param>
    /// <param name="memExample">An example --mem value.</param>
    /// <param name="maxRequeues">--max-requeues' help.</param>
    public SlurmOptions(
        string unit,
        string units,
        string wait,
        string cpusDefault,
        string memExample,
        string maxRequeues
    )
    {
        _wait = CliOptions.Flag("--wait", wait);
        _maxParallel = CliOptions.OptionalInt("--max-parallel", $"--slurm: at most K {units} at a time (%K)", min: 1);
        _time = new("--time") { HelpName = "D-HH:MM:SS", Description = $"--slurm: time limit per {unit}" };
        _cpus = CliOptions.OptionalInt("--cpus-per-task", $"--slurm: CPUs per {unit} (default: {cpusDefault})", min: 1);
        _mem = new("--mem") { HelpName = "SIZE", Description = $"--slurm: memory per {unit} (e.g. {memExample})" };
        _gpus = CliOptions.OptionalInt(
            "--gpus-per-task",
            $"--slurm: GPUs per {unit} (default 1 with --device cuda)",
            min: 1
        );
        _maxRequeues = CliOptions.Int("--max-requeues", SlurmGrid.DefaultMaxRequeues, maxRequeues, min: 0);
    }

    /// <summary>The options in help order.</summary>
    public Option[] All => [_wait, _maxParallel, _partition, _time, _cpus, _mem, _gpus, _maxRequeues, _sbatchArgs];

    /// <summary>A parse error naming every option given that only --slurm uses, when --slurm is not given.</summary>
    /// <param name="alsoSlurmOnly">The command's own --slurm options, named first.</param>
    public void RequireSlurm(CommandResult r, Option<bool> slurm, params Option[] alsoSlurmOnly)
    {
        if (r.GetValue(slurm))
            return;
        var given = alsoSlurmOnly
            .Concat(All)
            .Where(o => r.GetResult(o) is { Implicit: false })
            .Select(o => o.Name)
            .ToList();
        if (given.Count > 0)
            r.AddError($"{string.Join(", ", given)} {(given.Count == 1 ? "needs" : "need")} --slurm");
    }

    public SlurmGrid.Options Read(ParseResult parsed) =>
        new(
            parsed.GetValue(_wait),
            parsed.GetValue(_maxParallel),
            parsed.GetValue(_partition),
            parsed.GetValue(_time),
            parsed.GetValue(_cpus),
            parsed.GetValue(_mem),
            parsed.GetValue(_gpus),
            parsed.GetValue(_sbatchArgs),
            MaxRequeues: parsed.GetValue(_maxRequeues)
        );
}
