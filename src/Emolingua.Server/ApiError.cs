namespace Emolingua.Server;

/// <summary>A request the server refuses: the HTTP status and the one-line reason sent back as <c>{"error":
/// "..."}</c>.</summary>
public sealed class ApiError(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
