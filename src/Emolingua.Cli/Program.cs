using System.CommandLine;
using System.CommandLine.Invocation;
using Emolingua.Util;

namespace Emolingua.Cli;

public static class Program
{
    /// <summary>One instance of every command in this assembly (see <see cref="CliCommand"/>), ordered by
    /// name.</summary>
    public static IReadOnlyList<CliCommand> CreateCommands() =>
        typeof(Program)
            .Assembly.GetTypes()
            .Where(t =>
                t.IsSubclassOf(typeof(CliCommand)) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) != null
            )
            .Select(t => (CliCommand)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>The whole command line: every command, --help, --version, --verbose, and "help COMMAND".</summary>
    public static RootCommand CreateRoot(out Option<bool> verbose)
    {
        var root = new RootCommand(
            $"Emolingua {VersionInfo.Version}: speech emotion recognition for low-resource languages."
        )
        {
            HelpName = "./emolingua",
        };
        verbose = new Option<bool>("--verbose")
        {
            Description = "on an error, print the stack trace too",
            Recursive = true,
        };
        root.Add(verbose);
        foreach (var command in CreateCommands())
            root.Add(command);
        root.Add(HelpCommand(root));
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersion();
        root.SetAction(_ => ShowHelp(root, []));
        return root;
    }

    public static int Main(string[] argv)
    {
        var root = CreateRoot(out var verbose);
        ParseResult parsed = null!;
        var parseFailure = RunReportingErrors(
            () =>
            {
                parsed = root.Parse(argv);
                return 0;
            },
            argv.Contains("--verbose")
        );
        if (parseFailure != 0)
            return parseFailure;
        if (parsed.Errors.Count > 0)
            return ReportParseError(root, parsed);
        var needsLibTorch = NeedsLibTorch(parsed, argv);
        if (needsLibTorch && !LibTorchInstalled())
        {
            // Before TorchSharp is touched: without libtorch it prints a page of probing and copies libtorch out of the
            // NuGet cache.
            Console.Error.WriteLine(MissingLibTorchMessage);
            return 1;
        }
        var invocation = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        return RunReportingErrors(
            () =>
            {
                // The process-wide native settings (heap, MKL's code path), once, before the command's first tensor
                // operation.
                if (needsLibTorch)
                    NativeRuntime.Configure();
                return parsed.Invoke(invocation);
            },
            parsed.GetValue(verbose)
        );
    }

    /// <summary>Runs a command; user-facing failures become one line on stderr and a non-zero exit code.</summary>
    public static int RunReportingErrors(Func<int> run, bool verbose)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (!verbose && MissingLibTorch(e))
        {
            Console.Error.WriteLine(MissingLibTorchMessage);
            return 1;
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

    /// <summary>The first parse error as one line naming the command; an unknown command lists the commands.</summary>
    private static int ReportParseError(RootCommand root, ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        if (command == root && parsed.UnmatchedTokens.Count > 0)
        {
            Console.Error.WriteLine(
                $"error: unknown command '{parsed.UnmatchedTokens[0]}'. Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}"
            );
            return 2;
        }
        var message = string.Join(
            ' ',
            parsed.Errors[0].Message.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)
        );
        Console.Error.WriteLine($"error: {command.Name}: {message} (see ./emolingua help {command.Name})");
        return 1;
    }

    private const string MissingLibTorchMessage =
        "error: this command runs TorchSharp, whose native library (libtorch) is not installed here: "
        + "the Emolingua.Tool package carries ONNX Runtime only, so it predicts and serves exported .onnx models; "
        + "train, export and run model folders from the repository (./emolingua) or with the Emolingua library and a libtorch package";

    /// <summary>Whether libtorch ships with this build (the repository's CLI) or not (the dotnet tool).</summary>
    private static bool LibTorchInstalled()
    {
        var folders = new List<string> { AppContext.BaseDirectory };
        var runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes");
        if (Directory.Exists(runtimes))
        {
            folders.AddRange(
                Directory.GetDirectories(runtimes).Select(r => Path.Combine(r, "native")).Where(Directory.Exists)
            );
        }

        return folders.Any(f =>
            Directory
                .EnumerateFiles(f)
                .Any(file =>
                    Path.GetFileName(file).StartsWith("libtorch_cpu", StringComparison.Ordinal)
                    || Path.GetFileName(file).StartsWith("torch_cpu", StringComparison.Ordinal)
                )
        );
    }

    /// <summary>
    /// Whether a command line reaches TorchSharp: every command does except help, corpus, synth, and predict or serve
    /// of an exported .onnx model (a file or a hub id) on the onnx engine.
    /// </summary>
    private static bool NeedsLibTorch(ParseResult parsed, string[] argv)
    {
        var command = parsed.CommandResult.Command;
        if (command is RootCommand || argv.Any(a => a is "--help" or "-h" or "-?"))
            return false;
        switch (command.Name)
        {
            case "help" or "corpus" or "synth":
                return false;
            case "predict" or "serve":
                var model = parsed.GetValue<string>("--model") ?? "";
                var onnx =
                    Emolingua.Inference.EmotionEngines.IsOnnxFile(model)
                    || (!File.Exists(model) && !Directory.Exists(model) && Emolingua.Models.HubModels.IsHubId(model));
                var torchEngine =
                    command.Name == "predict"
                    && parsed.GetValue<Emolingua.Inference.EngineKind>("--engine")
                        == Emolingua.Inference.EngineKind.Torch;
                return !onnx || torchEngine;
            default:
                return true;
        }
    }

    /// <summary>TorchSharp's refusal to start without libtorch (thrown by the type initializer of
    /// <c>torch</c>).</summary>
    private static bool MissingLibTorch(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
        {
            if (
                x is NotSupportedException
                && x.Message.Contains("libtorch", StringComparison.Ordinal)
                && x.StackTrace?.Contains("LoadNativeBackend", StringComparison.Ordinal) == true
            )
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUserFacing(Exception e) =>
        e
            is EmolinguaException
                or IOException
                or UnauthorizedAccessException
                or InvalidDataException
                or System.Text.Json.JsonException
                or FormatException
                or NotSupportedException
                or ArgumentException
                or InvalidOperationException
                or OperationCanceledException
                or OutOfMemoryException
                or System.Runtime.InteropServices.ExternalException;

    private static string OneLine(Exception e)
    {
        var message =
            e is EmolinguaException || e.InnerException == null
                ? e.Message
                : $"{e.Message} ({e.InnerException.Message})";
        // libtorch errors (TorchSharp ExternalException) append a native backtrace: keep only the check's message.
        var backtrace = message.IndexOf("Exception raised from ", StringComparison.Ordinal);
        if (backtrace > 0)
            message = message[..backtrace];
        return message.ReplaceLineEndings(" ").Trim();
    }

    /// <summary>"help [COMMAND]": the same help text as "COMMAND --help", generated from the command's
    /// definition.</summary>
    private static Command HelpCommand(RootCommand root)
    {
        var name = new Argument<string?>("COMMAND")
        {
            Arity = ArgumentArity.ZeroOrOne,
            Description = "the command to explain",
        };
        name.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } n && root.Subcommands.All(c => c.Name != n))
            {
                r.AddError(
                    $"unknown command '{n}'. Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}"
                );
            }
        });
        var help = new Command("help", "Show the commands, or one command's arguments and options.") { name };
        help.SetAction(r => ShowHelp(root, r.GetValue(name) is { } n ? [n] : []));
        return help;
    }

    private static int ShowHelp(RootCommand root, string[] command) => root.Parse([.. command, "--help"]).Invoke();

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(
                $"{VersionInfo.Text} (TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version})"
            );
            return 0;
        }
    }
}
