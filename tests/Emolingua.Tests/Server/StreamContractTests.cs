using System.Net;
using System.Text.Json;
using Emolingua.Tests.Inference;
using static Emolingua.Tests.Server.StreamServeFixture;

namespace Emolingua.Tests.Server;

/// <summary>
/// The WebSocket contract of GET /api/stream against the real `serve` on loopback, with ClientWebSocket: every message
/// (window, silence, end and their fields) and the normal close; the limits are in <see cref="StreamLimitTests"/>.
/// Windows and the end are compared with /api/predict on the same file.
/// </summary>
[Collection("Console")]
public class StreamContractTests(StreamServeFixture serve) : IClassFixture<StreamServeFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private static readonly string[] WindowFields =
    [
        "type",
        "start_s",
        "end_s",
        "label",
        "probabilities",
        "confidence",
        "smoothed_label",
    ];

    private async Task<JsonElement> PredictAsync(short[] pcm, int rate)
    {
        using var dir = new TempDir();
        var path = dir.File("clip.wav");
        EmotionStreamTests.WritePcm16(path, pcm, rate);
        var response = await serve.Http.PostAsync("api/predict", new ByteArrayContent(File.ReadAllBytes(path)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static void AssertProbabilities(JsonElement expected, JsonElement actual, string what)
    {
        Assert.Equal(Labels, actual.EnumerateObject().Select(p => p.Name));
        foreach (var l in Labels)
        {
            Assert.True(
                Math.Abs(expected.GetProperty(l).GetDouble() - actual.GetProperty(l).GetDouble()) <= 1e-5 + 5e-7,
                $"{what} {l}: {actual.GetProperty(l).GetDouble()} vs /api/predict {expected.GetProperty(l).GetDouble()}"
            );
        }
    }

    [Fact]
    public async Task Pcm16At44k_InRandomFrames_GivesPredictsWindowsThenEnd_AndClosesNormally()
    {
        var pcm = Clip(4.3, 44100, seed: 11);
        var expected = await PredictAsync(pcm, 44100);
        await using var client = await serve.StreamAsync(StreamClient.Pcm16Bytes(pcm), 44100, "pcm_s16le", 2, seed: 1);
        var messages = client.Messages.Select(m => m.Message).ToList();
        var segments = expected.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(segments.Count + 1, messages.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            var m = messages[i];
            Assert.Equal(WindowFields, m.EnumerateObject().Select(p => p.Name));
            Assert.Equal("window", m.GetProperty("type").GetString());
            Assert.Equal(
                Math.Round(segments[i].GetProperty("start_s").GetDouble(), 3),
                m.GetProperty("start_s").GetDouble()
            );
            Assert.Equal(
                Math.Round(segments[i].GetProperty("end_s").GetDouble(), 3),
                m.GetProperty("end_s").GetDouble()
            );
            Assert.Equal(segments[i].GetProperty("label").GetString(), m.GetProperty("label").GetString());
            AssertProbabilities(
                segments[i].GetProperty("probabilities"),
                m.GetProperty("probabilities"),
                $"window {i}"
            );
            var probabilities = m.GetProperty("probabilities")
                .EnumerateObject()
                .Select(p => p.Value.GetDouble())
                .ToList();
            Assert.Equal(probabilities.Max(), m.GetProperty("confidence").GetDouble());
            Assert.Contains(m.GetProperty("smoothed_label").GetString(), Labels);
        }
        var end = messages[^1];
        Assert.Equal(["type", "label", "probabilities", "duration_s"], end.EnumerateObject().Select(p => p.Name));
        Assert.Equal("end", end.GetProperty("type").GetString());
        Assert.Equal(expected.GetProperty("label").GetString(), end.GetProperty("label").GetString());
        AssertProbabilities(expected.GetProperty("probabilities"), end.GetProperty("probabilities"), "end");
        Assert.Equal(
            Math.Round(expected.GetProperty("duration_s").GetDouble(), 3),
            end.GetProperty("duration_s").GetDouble()
        );
        await serve.AssertHealthyAsync();
    }

    [Fact]
    public async Task Float32_GivesTheSameAsPcm16_AndSmoothOneIsTheWindowsOwnLabel()
    {
        var pcm = Clip(3.2, 16000, seed: 5);
        var floats = pcm.Select(s => s / 32768f).ToArray();
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
        var expected = await PredictAsync(pcm, 16000);
        await using var client = await serve.StreamAsync(
            bytes,
            16000,
            "f32le",
            4,
            seed: 2,
            extra: ", \"smooth\": 1, \"hop_s\": 0.5"
        );
        var messages = client.Messages.Select(m => m.Message).ToList();
        Assert.Equal(expected.GetProperty("segments").GetArrayLength() + 1, messages.Count);
        foreach (var w in messages.SkipLast(1))
            Assert.Equal(w.GetProperty("label").GetString(), w.GetProperty("smoothed_label").GetString());
        AssertProbabilities(expected.GetProperty("probabilities"), messages[^1].GetProperty("probabilities"), "end");
    }

    [Fact]
    public async Task Vad_GivesSilenceMessages_ForWindowsWithoutSpeech()
    {
        var pcm = Clip(2, 16000, seed: 3).Concat(new short[32000]).ToArray(); // 2 s of speech, 2 s of digital silence
        await using var client = await serve.StreamAsync(
            StreamClient.Pcm16Bytes(pcm),
            16000,
            "pcm_s16le",
            2,
            seed: 3,
            extra: ", \"vad\": true"
        );
        var messages = client.Messages.Select(m => m.Message).ToList();
        var silence = messages.Where(m => m.GetProperty("type").GetString() == "silence").ToList();
        Assert.Equal([2.0, 2.5, 3.0], silence.Select(s => s.GetProperty("start_s").GetDouble()));
        Assert.All(silence, s => Assert.Equal(["type", "start_s", "end_s"], s.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(4, messages.Count(m => m.GetProperty("type").GetString() == "window"));
        Assert.Equal("end", messages[^1].GetProperty("type").GetString());
    }
}
