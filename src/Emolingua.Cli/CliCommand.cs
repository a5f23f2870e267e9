namespace Emolingua.Cli;

/// <summary>
/// One CLI verb. Implementations are discovered by reflection (any non-abstract subclass in this assembly),
/// so adding a command means adding one file under Commands/.
/// </summary>
public abstract class CliCommand
{
    /// <summary>The verb, e.g. "features".</summary>
    public abstract string Name { get; }

    /// <summary>One line: the arguments, e.g. "AUDIO --seconds S [--n-mels 80|128] --out FILE.npy".</summary>
    public abstract string Usage { get; }

    /// <summary>One sentence for the command list.</summary>
    public abstract string Summary { get; }

    /// <returns>The process exit code.</returns>
    public abstract int Run(CliArgs args);
}
