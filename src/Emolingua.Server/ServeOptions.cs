using System.Net;
using Emolingua.Util;

namespace Emolingua.Server;

/// <summary>What `emolingua serve` listens on and the limits it enforces per request.</summary>
/// <param name="Model">A run folder, a model folder or a model.onnx: anything <c>EmotionRecognizer.Load</c> takes.</param>
public sealed record ServeOptions(string Model)
{
    /// <summary>An IP address or "localhost". 127.0.0.1 by default: the service has no authentication.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (logged on start).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>Largest request body, in megabytes of 10^6 bytes (multipart envelope included).</summary>
    public double MaxUploadMegabytes { get; init; } = 50;

    /// <summary>Longest audio accepted, in seconds (checked from the headers before decoding, and again after).</summary>
    public double MaxSeconds { get; init; } = 600;

    /// <summary>Requests decoded and classified at once.</summary>
    public int MaxConcurrent { get; init; } = 2;

    /// <summary>Further requests allowed to wait (uploading or queued for a turn) before new ones get 503.</summary>
    public int Queue { get; init; } = 16;

    public long MaxUploadBytes => (long)Math.Round(MaxUploadMegabytes * 1_000_000);

    /// <summary>Throws the one-line error the CLI prints for the first option out of range.</summary>
    public ServeOptions Validated()
    {
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _))
            throw new EmolinguaException($"serve: option --host: '{Host}' must be an IP address (such as 127.0.0.1 or 0.0.0.0) or localhost");
        if (Port is < 0 or > 65535) throw new EmolinguaException($"serve: option --port: {Port} must be between 0 and 65535");
        if (Host == "localhost" && Port == 0) throw new EmolinguaException("serve: option --port: 0 (a free port) needs an IP address as --host, not localhost");
        if (!(MaxUploadMegabytes > 0) || MaxUploadBytes < 1) throw new EmolinguaException($"serve: option --max-upload-mb: {MaxUploadMegabytes} must be positive");
        if (!(MaxSeconds > 0)) throw new EmolinguaException($"serve: option --max-seconds: {MaxSeconds} must be positive");
        if (MaxConcurrent < 1) throw new EmolinguaException($"serve: option --max-concurrent: {MaxConcurrent} must be at least 1");
        if (Queue < 0) throw new EmolinguaException($"serve: option --queue: {Queue} must be at least 0");
        return this;
    }
}
