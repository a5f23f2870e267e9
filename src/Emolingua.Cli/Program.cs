using System.Reflection;
using Emolingua.Util;

namespace Emolingua.Cli;

public static class Program
{
    public static IReadOnlyList<CliCommand> Commands { get; } = typeof(Program).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(CliCommand)) && !t.IsAbstract)
        .Select(t => (CliCommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    public static int Main(string[] argv)
    {
        NativeRuntime.PrepareEnvironment(); // before anything loads libtorch
        bool verbose = argv.Contains("--verbose");
        var tokens = argv.Where(a => a != "--verbose").ToList();
        if (tokens.Count == 0 || tokens[0] is "help" or "--help" or "-h")
            return Help(tokens.Skip(1).FirstOrDefault());
        if (tokens[0] == "--version")
        {
            Console.WriteLine(VersionInfo.Text);
            return 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == tokens[0]);
        if (command == null)
        {
            Console.Error.WriteLine($"error: unknown command '{tokens[0]}'. Commands: {string.Join(", ", Commands.Select(c => c.Name))}");
            return 2;
        }
        if (tokens.Skip(1).Any(t => t is "--help" or "-h")) return Help(command.Name);
        return RunReportingErrors(command, new CliArgs(command.Name, tokens.Skip(1)), verbose);
    }

    /// <summary>Runs a command; user-facing failures become one line on stderr and a non-zero exit code.</summary>
    public static int RunReportingErrors(CliCommand command, CliArgs args, bool verbose)
    {
        try
        {
            return command.Run(args);
        }
        catch (Exception e) when (!verbose && IsUserFacing(e))
        {
            Console.Error.WriteLine($"error: {OneLine(e)}");
            return e is EmolinguaException ? 1 : 2;
        }
        catch (Exception e) when (verbose)
        {
            Console.Error.WriteLine($"error: {OneLine(e)}");
            Console.Error.WriteLine(e);
            return 2;
        }
    }

    private static bool IsUserFacing(Exception e) => e is EmolinguaException or IOException or UnauthorizedAccessException
        or InvalidDataException or System.Text.Json.JsonException or FormatException or NotSupportedException
        or ArgumentException or InvalidOperationException or OperationCanceledException or OutOfMemoryException
        or System.Runtime.InteropServices.ExternalException;

    private static string OneLine(Exception e)
    {
        string message = e is EmolinguaException || e.InnerException == null ? e.Message : $"{e.Message} ({e.InnerException.Message})";
        // libtorch errors (TorchSharp ExternalException) append a native backtrace: keep only the check's message.
        int backtrace = message.IndexOf("Exception raised from ", StringComparison.Ordinal);
        if (backtrace > 0) message = message[..backtrace];
        return message.ReplaceLineEndings(" ").Trim();
    }

    private static int Help(string? commandName)
    {
        var command = Commands.FirstOrDefault(c => c.Name == commandName);
        if (command != null)
        {
            Console.WriteLine($"usage: ./emolingua {command.Name} {command.Usage}");
            Console.WriteLine($"  {command.Summary}");
            return 0;
        }
        Console.WriteLine($"Emolingua {VersionInfo.Version}: speech emotion recognition for low-resource languages.");
        Console.WriteLine("usage: ./emolingua COMMAND [ARGS] [--verbose]");
        foreach (var c in Commands) Console.WriteLine($"  {c.Name,-11} {c.Summary}");
        Console.WriteLine("Run ./emolingua help COMMAND for a command's arguments.");
        return 0;
    }
}

