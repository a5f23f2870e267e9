using Emolingua.Server;

namespace Emolingua.Cli.Commands;

public sealed class ServeCommand : CliCommand
{
    public override string Name => "serve";
    public override string Usage => "--model RUN_DIR|model.onnx [--host 127.0.0.1] [--port 8000] [--max-upload-mb 50] [--max-seconds 600] [--max-concurrent 2] [--queue 16] [--device cpu|cuda]";
    public override string Summary => "Serve the model over HTTP: a web page at / and a JSON API (/api/predict, /api/model, /api/health).";

    public override int Run(CliArgs args)
    {
        var defaults = new ServeOptions("");
        var options = new ServeOptions(args.Required("--model"))
        {
            Host = args.Option("--host") ?? defaults.Host,
            Port = args.Int("--port", defaults.Port),
            MaxUploadMegabytes = args.Double("--max-upload-mb", defaults.MaxUploadMegabytes),
            MaxSeconds = args.Double("--max-seconds", defaults.MaxSeconds),
            MaxConcurrent = args.Int("--max-concurrent", defaults.MaxConcurrent),
            Queue = args.Int("--queue", defaults.Queue),
        };
        var device = DeviceOption.Parse(args.Option("--device"));
        args.Positionals();
        EmotionServer.Run(options.Validated(), device);
        return 0;
    }
}
