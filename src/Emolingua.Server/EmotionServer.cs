using System.Globalization;
using System.Net;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Util;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Emolingua.Server;

/// <summary>
/// The HTTP service behind `emolingua serve`: the page at /, and /api/model, /api/health and /api/predict, on Kestrel
/// with minimal APIs. One log line per request (ASP.NET's HTTP logging: method, path, status, duration). SIGTERM or
/// Ctrl+C stops accepting connections, lets the requests in flight finish (up to the host's 30 s shutdown timeout)
/// and returns.
/// </summary>
public static class EmotionServer
{
    /// <summary>Loads the model, serves until the process is asked to stop, drains, and returns.</summary>
    /// <param name="open">Opens the model's engine (default <see cref="EmotionEngines.Open"/>); the CLI passes one that
    /// runs folders on TorchSharp on its --device.</param>
    public static void Run(ServeOptions options, Func<string, IEmotionEngine>? open = null)
    {
        options.Validated();
        using var recognizer = new EmotionRecognizer((open ?? (path => EmotionEngines.Open(path)))(options.Model));
        using var app = Build(options, recognizer);
        app.Run();
    }

    /// <summary>The configured application (not started); the caller keeps <paramref name="recognizer"/> alive until it
    /// stops.</summary>
    public static WebApplication Build(ServeOptions options, EmotionRecognizer recognizer)
    {
        options.Validated();
        var builder = WebApplication.CreateSlimBuilder(
            new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory }
        );
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        SecretRedaction.WrapLoggerProviders(builder.Services); // no ?access_token= value in any line, at any level
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.Information);
        builder.Services.AddHttpLogging(o =>
        {
            o.LoggingFields =
                HttpLoggingFields.RequestMethod
                | HttpLoggingFields.RequestPath
                | HttpLoggingFields.ResponseStatusCode
                | HttpLoggingFields.Duration;
            o.CombineLogs = true;
        });
        var listener = NetworkEdge.Listener(options);
        builder.WebHost.ConfigureKestrel(k =>
        {
            NetworkEdge.ConfigureKestrel(k);
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes;
            if (options.Host == "localhost")
                k.ListenLocalhost(options.Port, listener);
            else
                k.Listen(IPAddress.Parse(options.Host), options.Port, listener);
        });
        NetworkEdge.AddServices(builder.Services, options);

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Emolingua.Server");
        app.Lifetime.ApplicationStarted.Register(() =>
            log.LogInformation(
                "Serving {Model}: {Engine} engine, method {Method}, {Window} s windows, labels {Labels}; limits: {MaxUploadMb} MB upload, {MaxSeconds} s audio, {MaxConcurrent} at once, queue {Queue}",
                options.Model,
                recognizer.Engine,
                recognizer.Method,
                recognizer.Seconds,
                string.Join(",", recognizer.Labels),
                options.MaxUploadMegabytes,
                options.MaxSeconds,
                options.MaxConcurrent,
                options.Queue
            )
        );

        app.UseHttpLogging();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteInternalError });
        app.UseStatusCodePages(context =>
            WriteError(
                context.HttpContext,
                context.HttpContext.Response.StatusCode,
                ReasonPhrases.GetReasonPhrase(context.HttpContext.Response.StatusCode).ToLowerInvariant()
            )
        );
        app.Use(
            (context, next) =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Everything the page needs comes from this server: a CDN or font from elsewhere would be refused.
                headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
                return next(context);
            }
        );
        NetworkEdge.Use(app, options); // API keys, rate limit, Cache-Control: every /api/* path registered below
        var page = new EmbeddedFileProvider(typeof(EmotionServer).Assembly, "Emolingua.Server.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page });

        var queue = new InferenceQueue(options.MaxConcurrent, options.Queue);
        var inference = new InferenceThreads(options.MaxConcurrent); // background threads: they end with the process
        app.Lifetime.ApplicationStopped.Register(inference.Dispose);
        var predictor = new UploadPredictor(recognizer, options.MaxSeconds);
        var model = new ModelResponse(
            recognizer.Labels,
            recognizer.Method,
            recognizer.Seconds,
            recognizer.Engine,
            WhisperAudio.SampleRate,
            VersionInfo.Version,
            new LimitsResponse(options.MaxUploadMegabytes, options.MaxSeconds, options.MaxConcurrent, options.Queue)
        );

        var batcher = new WindowBatcher(recognizer.ClassifyWindows, options.StreamBatch);
        app.Lifetime.ApplicationStopped.Register(batcher.Dispose);
        var streams = new StreamEndpoint(options, recognizer, batcher, log, app.Lifetime.ApplicationStopping);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.Map("/api/stream", streams.HandleAsync);

        app.MapGet("/api/health", () =>
            Results.Json(new HealthResponse("ok", queue.Running, queue.Waiting), ApiResponses.Json)
        );
        app.MapGet("/api/model", () => Results.Json(model, ApiResponses.Json));
        app.MapPost("/api/predict", async (HttpContext context) =>
        {
            using var ticket = queue.TryAdmit();
            if (ticket == null)
            {
                context.Response.Headers.RetryAfter = queue.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return Error(
                    StatusCodes.Status503ServiceUnavailable,
                    $"busy: {options.MaxConcurrent} requests running and {options.Queue} waiting; retry later"
                );
            }
            try
            {
                using var upload = await SpooledUpload.ReadAsync(
                    context.Request,
                    options.MaxUploadBytes,
                    context.RequestAborted
                );
                await ticket.WaitTurnAsync(context.RequestAborted);
                // Decoding and the model are seconds of CPU work: on the inference threads, so that the pool's few
                // threads (one per core) stay free to answer health checks, uploads and 503s meanwhile.
                var prediction = await inference.RunAsync(() => predictor.Predict(upload.Path), context.RequestAborted);
                return Results.Json(ApiResponses.Prediction(prediction, recognizer.Labels), ApiResponses.Json);
            }
            catch (ApiError e)
            {
                return Error(e.Status, e.Message);
            }
        });
        return app;
    }

    private static IResult Error(int status, string message) =>
        Results.Json(new ErrorResponse(message), ApiResponses.Json, statusCode: status);

    private static Task WriteError(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorResponse(message), ApiResponses.Json);
    }

    /// <summary>A bug, not a bad request: the exception is logged by the middleware; the client learns nothing of
    /// it.</summary>
    private static Task WriteInternalError(HttpContext context) =>
        WriteError(context, StatusCodes.Status500InternalServerError, "internal error (see the server log)");
}
