using System.CommandLine;

namespace Emolingua.Cli;

/// <summary>
/// One CLI verb, declared once as a System.CommandLine command: the arguments and options it adds both parse the
/// command line and generate its help. Implementations are discovered by reflection (any non-abstract subclass in this
/// assembly with a parameterless constructor), so adding a command means adding one file under Commands/.
/// </summary>
public abstract class CliCommand : Command
{
    protected CliCommand(string name, string description) : base(name, description) => SetAction(Run);

    /// <summary>Runs the command with the values parsed (and validated) from <paramref name="parsed"/>.</summary>
    /// <returns>The process exit code.</returns>
    protected abstract int Run(ParseResult parsed);
}
