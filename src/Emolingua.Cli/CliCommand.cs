using System.CommandLine;
using Emolingua.Experiments;

namespace Emolingua.Cli;

/// <summary>
/// One CLI verb, declared once as a System.CommandLine command: the arguments and options it adds both parse the
/// command line and generate its help. Implementations are discovered by reflection (any non-abstract subclass in this
/// assembly with a parameterless constructor), so adding a command means adding one file under Commands/.
/// </summary>
public abstract class CliCommand : Command
{
    protected CliCommand(string name, string description)
        : base(name, description) => SetAction(Run);

    /// <summary>Runs the command with the values parsed (and validated) from <paramref name="parsed"/>.</summary>
    /// <returns>The process exit code.</returns>
    protected abstract int Run(ParseResult parsed);

    /// <summary>
    /// A <c>status FOLDER [--json]</c> subcommand (<c>experiment status</c>, <c>predict status</c>): prints what
    /// <paramref name="read"/> reads from the folder, as text or JSON.
    /// </summary>
    protected static Command StatusCommand(
        string folder,
        string folderDescription,
        string description,
        Func<string, IStatusReport> read
    )
    {
        var dir = new Argument<string>(folder) { Description = folderDescription };
        var json = CliOptions.Flag("--json", "print JSON");
        var command = new Command("status", description) { dir, json };
        command.SetAction(parsed =>
        {
            var status = read(parsed.GetValue(dir)!);
            Console.Write(parsed.GetValue(json) ? status.ToJson() + "\n" : status.RenderText());
            return 0;
        });
        return command;
    }
}
