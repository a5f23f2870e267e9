using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Server;

namespace Emolingua.Tests.Edge;

/// <summary>
/// An API key sent as <c>?access_token=</c> (how a browser's WebSocket carries it) never reaches the log, even with
/// ASP.NET's categories turned up to Trace through the documented Logging__LogLevel__ variables, where Hosting
/// prints each request's full URL and Kestrel the request line of a bad request.
/// </summary>
[Collection("Console")]
public sealed class ServeLogRedactionTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>
{
    [Fact]
    public async Task An_access_token_in_the_query_string_is_redacted_from_every_log_line()
    {
        using var dir = new TempDir();
        const string key = "k3y-0f-th1s-t3st-5ecr3t-9f8e7d6c";
        var keys = dir.File("keys.txt");
        File.WriteAllText(keys, key + "\n");
        // The server holds "Microsoft.AspNetCore" at Warning; the categories below it that print URLs are named one by
        // one.
        var verbose = new[]
        {
            "Default",
            "Microsoft.AspNetCore.Hosting",
            "Microsoft.AspNetCore.Server.Kestrel",
            "Microsoft.AspNetCore.Routing",
            "Microsoft.AspNetCore.WebSockets",
        }.ToDictionary(category => "Logging__LogLevel__" + category, _ => (string?)"Trace");
        using var server = ServerProcess.Start(
            verbose,
            "--model",
            Path.GetDirectoryName(bundle.Folder)!,
            "--api-key-file",
            keys
        );

        // A live stream opened with the key in its URL, as the page does.
        using (var socket = new ClientWebSocket())
        {
            var ws = new UriBuilder(server.BaseUri)
            {
                Scheme = "ws",
                Path = "api/stream",
                Query = "access_token=" + key,
            }.Uri;
            await socket.ConnectAsync(ws, CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        // A plain request with the key in the query (not accepted there: 401), and a malformed request line holding it.
        using (var http = server.Client())
        {
            Assert.Equal(
                HttpStatusCode.Unauthorized,
                (await http.GetAsync($"api/model?x=1&access_token={key}")).StatusCode
            );
        }

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(
                Encoding.ASCII.GetBytes($"GET /api/stream?access_token={key} HTTP/1.1 junk\r\n\r\n")
            );
            var answer = new byte[1024];
            Assert.Contains("400", Encoding.ASCII.GetString(answer, 0, await stream.ReadAsync(answer)));
        }

        // Hosting logs the request's URL (then redacted) after the response: wait for both requests' lines.
        var log = server.WaitForLog(
            lines => lines.Count(l => l.Contains("access_token=[redacted]", StringComparison.Ordinal)) >= 2,
            "the redacted URLs"
        );
        var all = string.Join("\n", log) + "\n" + server.StandardError;
        Assert.DoesNotContain(key, all);
        Assert.Contains("/api/stream?access_token=[redacted]", all);
    }
}
