using System.CommandLine;
using Emolingua.Inference;
using Emolingua.Server;
using static TorchSharp.torch;

namespace Emolingua.Cli.Commands;

public sealed class ServeCommand : CliCommand
{
    private static readonly ServeOptions Defaults = new("");
    private readonly Option<string> _model = CliOptions.RequiredPath(
        "--model",
        "RUN_DIR|model.onnx",
        "a training run, its model/ folder or an exported model.onnx"
    );
    private readonly Option<string> _host = new("--host")
    {
        HelpName = "IP",
        Description =
            "address to listen on (0.0.0.0: every interface, which needs --api-key-file or --allow-anonymous)",
        DefaultValueFactory = _ => Defaults.Host,
    };
    private readonly Option<int> _port = CliOptions.Int(
        "--port",
        Defaults.Port,
        "port to listen on (0: a free one, logged at start)",
        min: 0
    );
    private readonly Option<double> _maxUpload = CliOptions.Double(
        "--max-upload-mb",
        Defaults.MaxUploadMegabytes,
        "largest request body in MB (10^6 bytes); larger: 413"
    );
    private readonly Option<double> _maxSeconds = CliOptions.Double(
        "--max-seconds",
        Defaults.MaxSeconds,
        "longest audio accepted in seconds; longer: 413"
    );
    private readonly Option<int> _maxConcurrent = CliOptions.Int(
        "--max-concurrent",
        Defaults.MaxConcurrent,
        "requests decoded and classified at once",
        min: 1
    );
    private readonly Option<int> _queue = CliOptions.Int(
        "--queue",
        Defaults.Queue,
        "further requests that may wait; beyond that: 503 with Retry-After",
        min: 0
    );
    private readonly Option<int> _maxStreams = CliOptions.Int(
        "--max-streams",
        Defaults.MaxStreams,
        "live streams (GET /api/stream) open at once; one more is closed with 1013",
        min: 0
    );
    private readonly Option<double> _maxStreamSeconds = CliOptions.Double(
        "--max-stream-seconds",
        Defaults.MaxStreamSeconds,
        "longest live stream in seconds of audio; longer: closed with 1008"
    );
    private readonly Option<double> _streamIdle = CliOptions.Double(
        "--stream-idle-seconds",
        Defaults.StreamIdleSeconds,
        "a live stream silent this long is closed with 1008"
    );
    private readonly Option<double> _maxRealtime = CliOptions.Double(
        "--max-realtime-factor",
        Defaults.MaxRealtimeFactor,
        "a live stream is read at most this many times faster than real time (faster senders are paced)"
    );
    private readonly Option<int> _streamBatch = CliOptions.Int(
        "--stream-batch",
        Defaults.StreamBatch,
        "windows of different live streams classified in one engine call, at most",
        min: 1
    );
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<string?> _apiKeyFile = new("--api-key-file")
    {
        HelpName = "FILE",
        Description = "API keys, one a line: /api/* (all but /api/health) then needs Authorization: Bearer KEY",
    };
    private readonly Option<bool> _allowAnonymous = new("--allow-anonymous")
    {
        Description = "serve an address other than loopback without --api-key-file",
    };
    private readonly Option<string?> _tlsCert = new("--tls-cert")
    {
        HelpName = "FILE",
        Description = "PEM certificate (chain): serve HTTPS (with --tls-key)",
    };
    private readonly Option<string?> _tlsKey = new("--tls-key")
    {
        HelpName = "FILE",
        Description = "PEM private key of --tls-cert",
    };
    private readonly Option<int> _rateLimit = CliOptions.Int(
        "--rate-limit",
        0,
        "requests per minute per API key (else per address) to /api/*; beyond: 429 with Retry-After (0: no limit)",
        min: 0
    );

    public ServeCommand()
        : base(
            "serve",
            "Serve the model over HTTP: a web page at / and a JSON API (POST /api/predict, GET /api/stream (WebSocket), GET /api/model, GET /api/health)."
        )
    {
        Add(_model);
        Add(_host);
        Add(_port);
        Add(_maxUpload);
        Add(_maxSeconds);
        Add(_maxConcurrent);
        Add(_queue);
        Add(_maxStreams);
        Add(_maxStreamSeconds);
        Add(_streamIdle);
        Add(_maxRealtime);
        Add(_streamBatch);
        Add(_device);
        Add(_apiKeyFile);
        Add(_allowAnonymous);
        Add(_tlsCert);
        Add(_tlsKey);
        Add(_rateLimit);
    }

    protected override int Run(ParseResult parsed)
    {
        var options = new ServeOptions(parsed.GetValue(_model)!)
        {
            Host = parsed.GetValue(_host)!,
            Port = parsed.GetValue(_port),
            MaxUploadMegabytes = parsed.GetValue(_maxUpload),
            MaxSeconds = parsed.GetValue(_maxSeconds),
            MaxConcurrent = parsed.GetValue(_maxConcurrent),
            Queue = parsed.GetValue(_queue),
            MaxStreams = parsed.GetValue(_maxStreams),
            MaxStreamSeconds = parsed.GetValue(_maxStreamSeconds),
            StreamIdleSeconds = parsed.GetValue(_streamIdle),
            MaxRealtimeFactor = parsed.GetValue(_maxRealtime),
            StreamBatch = parsed.GetValue(_streamBatch),
            ApiKeyFile = parsed.GetValue(_apiKeyFile),
            AllowAnonymous = parsed.GetValue(_allowAnonymous),
            TlsCertificate = parsed.GetValue(_tlsCert),
            TlsKey = parsed.GetValue(_tlsKey),
            RateLimit = parsed.GetValue(_rateLimit),
        };
        var device = parsed.GetValue(_device)!;
        EmotionServer.Run(options.Validated(), path => TorchFolderEngines.Open(path, EngineKind.Auto, device));
        return 0;
    }
}
