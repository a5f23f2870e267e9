namespace Emolingua.Util;

/// <summary>
/// A problem with the user's input (a file, a flag, a recipe) that the CLI reports as one line,
/// "FILE: problem", with a non-zero exit code and no stack trace.
/// </summary>
public class EmolinguaException : Exception
{
    /// <summary>The file or option the problem is about, when there is one.</summary>
    public string? File { get; }

    /// <summary>A problem not tied to one file.</summary>
    public EmolinguaException(string message)
        : base(message) { }

    /// <summary>A problem with <paramref name="file"/>: the message is "FILE: problem".</summary>
    public EmolinguaException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner) => File = file;
}
