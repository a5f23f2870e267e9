using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.RateLimiting;
using Emolingua.Util;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Emolingua.Server;

/// <summary>
/// What lets `serve` face a network: API keys on /api/* (all but /api/health, which probes need open), HTTPS from
/// PEM files, a per-client rate limit (ASP.NET Core's rate limiter), Kestrel's slow-client limits, and the headers
/// an API should send. Every /api/* path is covered, including endpoints added later.
/// </summary>
internal static class NetworkEdge
{
    /// <summary>A client has this long to send its request line and headers (Kestrel's default is 30 s): a slowloris
    /// connection is dropped then.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>An upload slower than 4 KB/s (after a 5 s grace) is dropped: it would hold a queue place for
    /// minutes.</summary>
    public static readonly MinDataRate MinRequestBodyDataRate = new(
        bytesPerSecond: 4096,
        gracePeriod: TimeSpan.FromSeconds(5)
    );

    private const string KeyItem = "emolingua.api-key";

    public static void ConfigureKestrel(KestrelServerOptions kestrel)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.RequestHeadersTimeout = RequestHeadersTimeout;
        kestrel.Limits.MinRequestBodyDataRate = MinRequestBodyDataRate;
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
    }

    /// <summary>HTTPS on a listener when the options give a certificate; plain HTTP otherwise.</summary>
    public static Action<ListenOptions> Listener(ServeOptions options)
    {
        if (options.TlsCertificate == null)
            return _ => { };
        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.TlsCertificate, options.TlsKey);
            // Re-imported: a key loaded from PEM is ephemeral, which TLS on Linux accepts but other platforms do not.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new EmolinguaException(
                options.TlsCertificate,
                $"not a PEM certificate with the private key in {options.TlsKey} ({e.Message.ReplaceLineEndings(" ").Trim()})"
            );
        }
        return listen => listen.UseHttps(certificate);
    }

    public static void AddServices(IServiceCollection services, ServeOptions options)
    {
        if (options.RateLimit <= 0)
            return;
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                !IsGuarded(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter("open")
                    : RateLimitPartition.GetFixedWindowLimiter(ClientOf(context), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = options.RateLimit,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
            );
            limiter.OnRejected = async (rejected, cancel) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? (int)Math.Ceiling(after.TotalSeconds)
                    : 60;
                rejected.HttpContext.Response.Headers.RetryAfter = Math.Max(1, seconds)
                    .ToString(CultureInfo.InvariantCulture);
                await rejected.HttpContext.Response.WriteAsJsonAsync(
                    new ErrorResponse(
                        $"rate limit: {options.RateLimit} requests per minute per client (--rate-limit); retry in {Math.Max(1, seconds)} s"
                    ),
                    ApiResponses.Json,
                    cancel
                );
            };
        });
    }

    /// <summary>The API key's number when the request carried a valid one, else the client's address.</summary>
    private static string ClientOf(HttpContext context) =>
        context.Items.TryGetValue(KeyItem, out var key) && key is int k
            ? $"key:{k}"
            : $"ip:{context.Connection.RemoteIpAddress}";

    /// <summary>/api/* except /api/health.</summary>
    public static bool IsGuarded(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        && !path.StartsWithSegments("/api/health", StringComparison.OrdinalIgnoreCase);

    /// <summary>Key check, rate limit and API headers, in that order (a wrong key counts against the address's
    /// limit).</summary>
    public static void Use(WebApplication app, ServeOptions options)
    {
        var keys = options.ApiKeyFile == null ? null : ApiKeys.Load(options.ApiKeyFile);
        app.Use(
            (context, next) =>
            {
                if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
                    // answers describe one request; never cached, never shown from history
                    context.Response.Headers.CacheControl = "no-store";
                if (options.TlsCertificate != null)
                    context.Response.Headers.StrictTransportSecurity = "max-age=31536000";
                if (
                    keys != null
                    && IsGuarded(context.Request.Path)
                    && keys.Find(PresentedKey(context.Request)) is { } index
                )
                {
                    context.Items[KeyItem] = index;
                }

                return next(context);
            }
        );
        if (options.RateLimit > 0)
            app.UseRateLimiter();
        if (keys == null)
            return;
        app.Use(
            async (context, next) =>
            {
                if (IsGuarded(context.Request.Path) && !context.Items.ContainsKey(KeyItem))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsJsonAsync(
                        new ErrorResponse(
                            PresentedKey(context.Request) == null
                                ? "this server needs an API key: send Authorization: Bearer KEY"
                                : "API key not accepted"
                        ),
                        ApiResponses.Json
                    );
                    return;
                }
                await next(context);
            }
        );
    }

    /// <summary>
    /// The Bearer token, or for a WebSocket upgrade (browsers cannot set headers on one) the <c>access_token</c>
    /// query parameter.
    /// </summary>
    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header[7..].Trim();
        if (IsWebSocketUpgrade(request) && request.Query.TryGetValue("access_token", out var token))
            return token.ToString();
        return null;
    }

    /// <summary>
    /// From the request itself: HttpContext.WebSockets.IsWebSocketRequest is false until UseWebSockets has run, and it
    /// runs after this door (it made every ?access_token= upgrade a 401).
    /// </summary>
    private static bool IsWebSocketUpgrade(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
            && request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase)
        || request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpExtendedConnectFeature>()
            is { IsExtendedConnect: true, Protocol: "websocket" };
}

/// <summary>
/// The keys of --api-key-file, held as SHA-256 digests. A presented key is hashed and compared with every digest by
/// CryptographicOperations.FixedTimeEquals, without stopping at a match: the time taken says nothing about how many
/// characters were right, how long a key is, or which key matched.
/// </summary>
internal sealed class ApiKeys
{
    private readonly byte[][] _digests;

    private ApiKeys(byte[][] digests) => _digests = digests;

    public int Count => _digests.Length;

    public static ApiKeys Load(string path)
    {
        var keys = File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        if (keys.Count == 0)
        {
            throw new EmolinguaException(
                path,
                "holds no API key (one key a line; blank lines and # comments are skipped)"
            );
        }

        if (keys.FirstOrDefault(k => k.Length < 16) is { } shortKey)
        {
            throw new EmolinguaException(
                path,
                $"a key of {shortKey.Length} characters is too easy to guess (at least 16; e.g. openssl rand -hex 32)"
            );
        }

        return new ApiKeys(keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray());
    }

    /// <summary>The number of the matching key, or null.</summary>
    public int? Find(string? presented)
    {
        if (presented == null)
            return null;
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var found = -1;
        for (var i = 0; i < _digests.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, _digests[i]))
                found = i;
        }

        return found >= 0 ? found : null;
    }
}
