using System.Net;
using Emolingua.Util;

namespace Emolingua.Server;

/// <summary>What `emolingua serve` listens on and the limits it enforces per request.</summary>
/// <param name="Model">A run folder, a model folder or a model.onnx: anything <c>EmotionRecognizer.Load</c>
/// takes.</param>
public sealed record ServeOptions(string Model)
{
    /// <summary>An IP address or "localhost". 127.0.0.1 by default; any other address needs <see cref="ApiKeyFile"/> or
    /// <see cref="AllowAnonymous"/>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (logged on start).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>Largest request body, in megabytes of 10^6 bytes (multipart envelope included).</summary>
    public double MaxUploadMegabytes { get; init; } = 50;

    /// <summary>Longest audio accepted, in seconds (checked from the headers before decoding, and again
    /// after).</summary>
    public double MaxSeconds { get; init; } = 600;

    /// <summary>Requests decoded and classified at once.</summary>
    public int MaxConcurrent { get; init; } = 2;

    /// <summary>Further requests allowed to wait (uploading or queued for a turn) before new ones get 503.</summary>
    public int Queue { get; init; } = 16;

    /// <summary>Live streams (GET /api/stream) open at once; one more is closed with 1013.</summary>
    public int MaxStreams { get; init; } = 8;

    /// <summary>Longest live stream, in seconds of audio; beyond it the stream is closed with 1008.</summary>
    public double MaxStreamSeconds { get; init; } = 3600;

    /// <summary>A live stream that sends nothing for this long is closed with 1008.</summary>
    public double StreamIdleSeconds { get; init; } = 10;

    /// <summary>Audio a live stream may send ahead of real time: read at most this many times faster (plus one window);
    /// faster senders are paced, not refused.</summary>
    public double MaxRealtimeFactor { get; init; } = 4;

    /// <summary>Windows of different live streams classified in one engine call, at most.</summary>
    public int StreamBatch { get; init; } = 8;

    /// <summary>A file of API keys, one a line (blank lines and # comments skipped): /api/* then needs
    /// <c>Authorization: Bearer KEY</c>.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>Serve an address other than loopback without keys (refused otherwise, so a service is never open by
    /// accident).</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>PEM certificate (chain) and private key: HTTPS instead of HTTP. Both or neither.</summary>
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }

    /// <summary>Requests per minute each client may make to /api/* (per API key, else per address); 0: no
    /// limit.</summary>
    public int RateLimit { get; init; }

    public long MaxUploadBytes => (long)Math.Round(MaxUploadMegabytes * 1_000_000);

    /// <summary>127.0.0.0/8, ::1 or localhost: only this machine can connect.</summary>
    public bool IsLoopback => Host == "localhost" || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Throws the one-line error the CLI prints for the first option out of range.</summary>
    public ServeOptions Validated()
    {
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _))
        {
            throw new EmolinguaException(
                $"serve: option --host: '{Host}' must be an IP address (such as 127.0.0.1 or 0.0.0.0) or localhost"
            );
        }

        if (Port is < 0 or > 65535)
            throw new EmolinguaException($"serve: option --port: {Port} must be between 0 and 65535");
        if (Host == "localhost" && Port == 0)
        {
            throw new EmolinguaException(
                "serve: option --port: 0 (a free port) needs an IP address as --host, not localhost"
            );
        }

        if (!(MaxUploadMegabytes > 0) || MaxUploadBytes < 1)
            throw new EmolinguaException($"serve: option --max-upload-mb: {MaxUploadMegabytes} must be positive");
        if (!(MaxSeconds > 0))
            throw new EmolinguaException($"serve: option --max-seconds: {MaxSeconds} must be positive");
        if (MaxConcurrent < 1)
            throw new EmolinguaException($"serve: option --max-concurrent: {MaxConcurrent} must be at least 1");
        if (Queue < 0)
            throw new EmolinguaException($"serve: option --queue: {Queue} must be at least 0");
        if (MaxStreams < 0)
            throw new EmolinguaException($"serve: option --max-streams: {MaxStreams} must be at least 0");
        if (!(MaxStreamSeconds > 0))
            throw new EmolinguaException($"serve: option --max-stream-seconds: {MaxStreamSeconds} must be positive");
        if (!(StreamIdleSeconds > 0))
            throw new EmolinguaException($"serve: option --stream-idle-seconds: {StreamIdleSeconds} must be positive");
        if (!(MaxRealtimeFactor >= 1))
        {
            throw new EmolinguaException(
                $"serve: option --max-realtime-factor: {MaxRealtimeFactor} must be at least 1"
            );
        }

        if (StreamBatch is < 1 or > 256)
            throw new EmolinguaException($"serve: option --stream-batch: {StreamBatch} must be between 1 and 256");
        if (RateLimit < 0)
            throw new EmolinguaException($"serve: option --rate-limit: {RateLimit} must be at least 0 (0: no limit)");
        if (ApiKeyFile != null && !File.Exists(ApiKeyFile))
            throw new EmolinguaException(ApiKeyFile, "API key file not found (--api-key-file)");
        if ((TlsCertificate == null) != (TlsKey == null))
        {
            throw new EmolinguaException(
                "serve: options --tls-cert and --tls-key go together (PEM certificate and its private key)"
            );
        }

        foreach (var (file, option) in new[] { (TlsCertificate, "--tls-cert"), (TlsKey, "--tls-key") })
        {
            if (file != null && !File.Exists(file))
                throw new EmolinguaException(file, $"not found ({option})");
        }

        if (!IsLoopback && ApiKeyFile == null && !AllowAnonymous)
        {
            throw new EmolinguaException(
                $"serve: option --host: {Host} is reachable from other machines; give --api-key-file FILE (clients send Authorization: Bearer KEY) or --allow-anonymous to serve without authentication"
            );
        }

        return this;
    }
}
