namespace Emolingua.Util;

/// <summary>
/// A problem with the user's input (a file, a flag, a recipe) that the CLI reports as one line,
/// "FILE: problem", with a non-zero exit code and no stack trace.
/// </summary>
public class EmolinguaException : Exception
{
    public string? File { get; }

    public EmolinguaException(string message) : base(message) { }

    public EmolinguaException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner) => File = file;
}
