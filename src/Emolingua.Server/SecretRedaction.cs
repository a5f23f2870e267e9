using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Emolingua.Server;

/// <summary>
/// Keeps API keys out of the log. A WebSocket upgrade may carry its key in the URL (<c>?access_token=KEY</c>), and
/// ASP.NET's own request lines (Hosting's "Request starting GET http://…/api/stream?access_token=…", Kestrel's
/// bad-request details, routing) print the whole URL once someone turns their level up with the Logging__LogLevel__
/// variables. So every message the console logger receives has the parameter's value replaced by "[redacted]"
/// whatever its category or level, rather than relying on those categories staying quiet.
/// </summary>
internal static partial class SecretRedaction
{
    [GeneratedRegex(@"(?<=[?&]access_token=)[^&\s'""#]*", RegexOptions.IgnoreCase)]
    private static partial Regex AccessToken();

    public static string Redact(string message) =>
        message.Contains("access_token", StringComparison.OrdinalIgnoreCase)
            ? AccessToken().Replace(message, "[redacted]")
            : message;

    /// <summary>Wraps every logger provider registered so far (call after the providers are added).</summary>
    public static void WrapLoggerProviders(IServiceCollection services)
    {
        var providers = services.Where(d => d.ServiceType == typeof(ILoggerProvider)).ToList();
        foreach (var descriptor in providers)
        {
            services.Remove(descriptor);
            services.Add(ServiceDescriptor.Singleton<ILoggerProvider>(sp => new Provider(Create(sp, descriptor))));
        }
    }

    private static ILoggerProvider Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as ILoggerProvider
        ?? (ILoggerProvider?)descriptor.ImplementationFactory?.Invoke(services)
        ?? (ILoggerProvider)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);

    private sealed class Provider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) =>
            (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        )
        {
            if (!inner.IsEnabled(logLevel))
                return;
            var message = formatter(state, exception);
            var redacted = Redact(message);
            // The exception's message may quote the request line too: it is printed as text, so it is redacted as text.
            if (
                ReferenceEquals(redacted, message)
                && (
                    exception == null
                    || !exception.ToString().Contains("access_token", StringComparison.OrdinalIgnoreCase)
                )
            )
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
            else
            {
                inner.Log(
                    logLevel,
                    eventId,
                    exception == null ? redacted : redacted + Environment.NewLine + Redact(exception.ToString()),
                    null,
                    (s, _) => s
                );
            }
        }
    }
}
