using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Emolingua.Tests.Audio;
using Emolingua.Tests.Inference;

namespace Emolingua.Tests.Server;

/// <summary>
/// 16 live streams of 30 s each at real-time pace (100 ms frames every 100 ms) on loopback against the real `serve`:
/// every window answered, in order, none lost or duplicated, and each stream's result that of /api/predict on its
/// own clip (so no window went to another stream). Takes a little over 30 s; every wait is bounded.
/// </summary>
[Collection("Console")]
public class StreamLoadTests(StreamBundleFixture bundle) : IClassFixture<StreamBundleFixture>
{
    private const int Streams = 16,
        Rate = 16000;
    private const double Seconds = 30;

    [Fact]
    public async Task SixteenRealtimeStreams_EveryWindowAnsweredInOrder_NoneLostOrDuplicated()
    {
        using var server = ServerProcess.Start(
            "--model",
            Path.GetDirectoryName(bundle.Folder)!,
            "--max-streams",
            $"{Streams}"
        );
        using var http = server.Client();
        var clips = Enumerable.Range(0, Streams).Select(i => PredictTestsClip(i)).ToList();
        // 1-second windows every 0.5 s over 30 s: starts 0, 0.5, ..., 29 (the last ends at the end).
        var expectedStarts = Enumerable.Range(0, 59).Select(k => k * 0.5).ToList();

        var runs = clips
            .Select(
                (pcm, i) =>
                    Task.Run(async () =>
                    {
                        await using var client = await StreamClient.ConnectAsync(server.BaseUri);
                        await client.StartAsync(Rate);
                        var begin = client.Now;
                        var frame = Rate / 10;
                        for (var f = 0; f * frame < pcm.Length; f++)
                        {
                            var due = begin + f * 0.1;
                            if (due > client.Now)
                                await Task.Delay(TimeSpan.FromSeconds(due - client.Now));
                            await client.SendBinaryAsync(
                                StreamClient.Pcm16Bytes(pcm.AsSpan(f * frame, Math.Min(frame, pcm.Length - f * frame)))
                            );
                        }
                        await client.StopAsync();
                        var (status, error) = await client.ClosedAsync(60);
                        Assert.True(
                            status == WebSocketCloseStatus.NormalClosure,
                            $"stream {i} closed with {(int)status}: {error}"
                        );
                        return client.Messages.Select(m => m.Message).ToList();
                    })
            )
            .ToList();
        var results = await Task.WhenAll(runs);

        for (var i = 0; i < Streams; i++)
        {
            var messages = results[i];
            var windows = messages.Where(m => m.GetProperty("type").GetString() == "window").ToList();
            Assert.Equal(expectedStarts, windows.Select(w => w.GetProperty("start_s").GetDouble()));
            Assert.Equal("end", messages[^1].GetProperty("type").GetString());
            Assert.Equal(windows.Count + 1, messages.Count);
            using var dir = new TempDir();
            var path = dir.File("clip.wav");
            EmotionStreamTests.WritePcm16(path, clips[i], Rate);
            var response = await http.PostAsync("api/predict", new ByteArrayContent(File.ReadAllBytes(path)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var expected = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var segments = expected.GetProperty("segments").EnumerateArray().ToList();
            for (var k = 0; k < windows.Count; k++)
            {
                foreach (var p in segments[k].GetProperty("probabilities").EnumerateObject())
                {
                    Assert.True(
                        Math.Abs(
                            p.Value.GetDouble()
                                - windows[k].GetProperty("probabilities").GetProperty(p.Name).GetDouble()
                        )
                            <= 1e-5 + 5e-7,
                        $"stream {i} window {k} {p.Name}: differs from /api/predict on its clip"
                    );
                }
            }

            Assert.Equal(expected.GetProperty("label").GetString(), messages[^1].GetProperty("label").GetString());
        }
    }

    private static short[] PredictTestsClip(int seed) =>
        Cli.PredictTests.Varied(Seconds, seed + 20).Select(x => (short)MathF.Round(x * 32767)).ToArray();
}
