using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Emolingua.Models.Onnx;
using Emolingua.Tests.Audio;
using Emolingua.Tests.Cli;

namespace Emolingua.Tests.Server;

/// <summary>
/// `serve --model model.onnx`: the tiny bundle exported to ONNX and served by the real CLI through ONNX Runtime. Its
/// answers are compared with the TorchSharp model run directly on hand-computed windows.
/// </summary>
[Collection("Console")]
public sealed class ServeOnnxTests : IClassFixture<TinyBundleFixture>, IDisposable
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private readonly TinyBundleFixture _bundle;
    private readonly TempDir _dir = new();
    private readonly ServerProcess _server;

    public ServeOnnxTests(TinyBundleFixture bundle)
    {
        _bundle = bundle;
        var onnx = _dir.File("model.onnx");
        OnnxExport.Export(bundle.Folder, onnx);
        _server = ServerProcess.Start("--model", onnx);
    }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task OnnxModel_IsDescribedAndPredictsAsTheTorchModel()
    {
        using var http = _server.Client();
        var model = JsonDocument.Parse(await http.GetStringAsync("api/model")).RootElement;
        Assert.Equal("onnx", model.GetProperty("engine").GetString());
        Assert.Equal(Labels, model.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("baseline", model.GetProperty("method").GetString());
        Assert.Equal(1.0, model.GetProperty("window_s").GetDouble());

        var path = _dir.File("long.wav");
        TestWav.WritePcm16Mono(path, PredictTests.Varied(2.5, 31), 16000);
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", "long.wav");
        var response = await http.PostAsync("api/predict", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var body = JsonDocument.Parse(text).RootElement;

        // 2.5 s through 1 s windows with a 0.5 s hop: starts 0, 0.5, 1.0, 1.5 s; the clip is their mean.
        var clip = TestWav.ReadPcm16Mono(path);
        int[] starts = [0, 8000, 16000, 24000];
        var expected = CliHarness.MeanWindowProbabilities(_bundle.Model, clip, starts, 1.0);
        var probabilities = body.GetProperty("probabilities");
        for (var k = 0; k < Labels.Length; k++)
        {
            Assert.True(
                MathF.Abs(expected[k] - probabilities.GetProperty(Labels[k]).GetSingle()) <= 1e-4f,
                $"{Labels[k]}: torch {expected[k]}, served ONNX {probabilities.GetProperty(Labels[k]).GetSingle()}"
            );
        }

        Assert.Equal(Labels[Array.IndexOf(expected, expected.Max())], body.GetProperty("label").GetString());
        Assert.Equal(4, body.GetProperty("segments").GetArrayLength());

        // A bad request still gets its JSON error, and the server stays up.
        var bad = await http.PostAsync("api/predict", new StringContent("this is not audio at all, just some text"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, bad.StatusCode);
        Assert.Equal(
            "ok",
            JsonDocument.Parse(await http.GetStringAsync("api/health")).RootElement.GetProperty("status").GetString()
        );
    }
}
