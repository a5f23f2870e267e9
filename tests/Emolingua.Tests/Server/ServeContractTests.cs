using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Emolingua.Tests.Audio;
using Emolingua.Tests.Cli;

namespace Emolingua.Tests.Server;

/// <summary>
/// The HTTP contract of `emolingua serve`: every endpoint, every limit with its status and JSON error, the request
/// log, and that the server answers after every bad request. Predictions are compared with the model run directly
/// on hand-computed windows (not with the recognizer the server uses).
/// </summary>
[Collection("Console")]
public class ServeContractTests(ServeFixture serve) : IClassFixture<ServeFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private readonly HttpClient _http = serve.Server.Client();

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(
        HttpContent content
    )
    {
        var response = await _http.PostAsync("api/predict", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, Json(text), response);
    }

    private static MultipartFormDataContent Multipart(byte[] bytes, string fileName)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        return form;
    }

    /// <summary>A refusal: the status, a JSON content type and a non-empty "error" string containing
    /// <paramref name="mentions"/>.</summary>
    private async Task AssertErrorAsync(HttpContent content, HttpStatusCode status, string mentions)
    {
        var (actual, body, response) = await PostAsync(content);
        Assert.True(status == actual, $"expected {status}, got {actual}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(mentions, body.GetProperty("error").GetString());
        await AssertHealthyAsync();
    }

    private async Task AssertHealthyAsync()
    {
        var health = Json(await _http.GetStringAsync("api/health"));
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    private static float[] Probabilities(JsonElement probabilities)
    {
        Assert.Equal(Labels, probabilities.EnumerateObject().Select(p => p.Name));
        return Labels.Select(l => probabilities.GetProperty(l).GetSingle()).ToArray();
    }

    /// <summary>
    /// 1e-4: the server classifies a clip's windows as one batch, the reference one window at a time, and batched
    /// matrix products round differently (seen: 2e-5). Windows of these clips differ by more than 1e-3, so a wrong
    /// window or a missing average still fails.
    /// </summary>
    private static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-4f)
    {
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(
                MathF.Abs(expected[k] - actual[k]) <= tolerance,
                $"class {k}: expected {expected[k]}, got {actual[k]}"
            );
        }
    }

    [Fact]
    public async Task Health_AnswersOkWithNothingInFlight()
    {
        var response = await _http.GetAsync("api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = Json(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(0, health.GetProperty("running").GetInt32());
        Assert.Equal(0, health.GetProperty("waiting").GetInt32());
    }

    [Fact]
    public async Task Model_DescribesTheServedBundleAndLimits()
    {
        var model = Json(await _http.GetStringAsync("api/model"));
        // ModelBundle.Save with 4 classes and "baseline" (CliHarness.SaveTinyBundle); 1-second window.
        Assert.Equal(Labels, model.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("baseline", model.GetProperty("method").GetString());
        Assert.Equal(1.0, model.GetProperty("window_s").GetDouble());
        Assert.Equal("torch", model.GetProperty("engine").GetString());
        Assert.Equal(16000, model.GetProperty("sample_rate").GetInt32());
        var limits = model.GetProperty("limits");
        Assert.Equal(0.3, limits.GetProperty("max_upload_mb").GetDouble());
        Assert.Equal(6, limits.GetProperty("max_seconds").GetDouble());
        Assert.Equal(1, limits.GetProperty("max_concurrent").GetInt32());
        Assert.Equal(1, limits.GetProperty("queue").GetInt32());
    }

    [Fact]
    public async Task Page_IsServedWithItsAssets_AndReferencesNoOtherHost()
    {
        var page = await _http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"app.js\"", html);
        // The browser is told to load nothing from elsewhere, so a stray CDN link would fail in the browser test too.
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        var assets = new Dictionary<string, string>
        {
            ["app.js"] = "text/javascript",
            ["app.css"] = "text/css",
            ["recorder-worklet.js"] = "text/javascript",
        };
        var texts = new List<string> { html };
        foreach (var (path, type) in assets)
        {
            var response = await _http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            texts.Add(await response.Content.ReadAsStringAsync());
        }
        foreach (var text in texts)
            Assert.DoesNotMatch(new Regex(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", RegexOptions.IgnoreCase), text);
    }

    [Fact]
    public async Task Predict_Multipart_MatchesTheModelOnHandComputedWindows()
    {
        var path = serve.Wav("long.wav", PredictTests.Varied(2.5, 31));
        var (status, body, _) = await PostAsync(Multipart(File.ReadAllBytes(path), "long.wav"));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var clip = TestWav.ReadPcm16Mono(path);
        // 2.5 s, 1 s windows, 0.5 s hop, the last ending at the clip's end: starts 0, 0.5, 1.0, 1.5 s.
        int[] starts = [0, 8000, 16000, 24000];
        var expected = CliHarness.MeanWindowProbabilities(serve.Bundle.Model, clip, starts, 1.0);
        var actual = Probabilities(body.GetProperty("probabilities"));
        AssertClose(expected, actual);
        Assert.Equal(Labels[Array.IndexOf(expected, expected.Max())], body.GetProperty("label").GetString());
        Assert.Equal(2.5, body.GetProperty("duration_s").GetDouble(), 6);
        var segments = body.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(
            new[] { (0.0, 1.0), (0.5, 1.5), (1.0, 2.0), (1.5, 2.5) },
            segments.Select(s => (s.GetProperty("start_s").GetDouble(), s.GetProperty("end_s").GetDouble()))
        );
        for (var i = 0; i < starts.Length; i++)
        {
            var window = CliHarness.MeanWindowProbabilities(serve.Bundle.Model, clip, [starts[i]], 1.0);
            AssertClose(window, Probabilities(segments[i].GetProperty("probabilities")));
            Assert.Equal(Labels[Array.IndexOf(window, window.Max())], segments[i].GetProperty("label").GetString());
        }
    }

    [Fact]
    public async Task Predict_RawBodyAndLosslessFlac_GiveTheSameProbabilitiesAsTheWav_Mp3IsAccepted()
    {
        var wav = serve.Wav("clip.wav", PredictTests.Varied(1.7, 32));
        var clip = TestWav.ReadPcm16Mono(wav);
        var expected = CliHarness.MeanWindowProbabilities(serve.Bundle.Model, clip, [0, 8000, 11200], 1.0);

        var raw = new ByteArrayContent(File.ReadAllBytes(wav));
        raw.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        var (status, body, _) = await PostAsync(raw);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        AssertClose(expected, Probabilities(body.GetProperty("probabilities")));

        // FLAC is lossless: ffmpeg decodes the same PCM16 samples, so the same probabilities come back.
        var flac = serve.Files.File("clip.flac");
        AudioTestTools.Run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, "-c:a", "flac", flac);
        (status, body, _) = await PostAsync(Multipart(File.ReadAllBytes(flac), "clip.flac"));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        AssertClose(expected, Probabilities(body.GetProperty("probabilities")));

        // MP3 is lossy: only the duration (the LAME tag's delay and padding trimmed) and the window count are exact.
        var mp3 = serve.Files.File("clip.mp3");
        AudioTestTools.Run(
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            wav,
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            mp3
        );
        (status, body, _) = await PostAsync(Multipart(File.ReadAllBytes(mp3), "clip.mp3"));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(1.7, body.GetProperty("duration_s").GetDouble(), 2);
        Assert.Equal(3, body.GetProperty("segments").GetArrayLength());
    }

    [Fact]
    public async Task UploadOverTheLimit_413_WithOrWithoutContentLength()
    {
        var big = new byte[400_000]; // limit 0.3 MB = 300,000 bytes
        await AssertErrorAsync(new ByteArrayContent(big), HttpStatusCode.RequestEntityTooLarge, "--max-upload-mb");
        // Chunked: no length to check up front, so Kestrel stops the body while it is read.
        var chunked = new StreamContent(new MemoryStream(big));
        var request = new HttpRequestMessage(HttpMethod.Post, "api/predict") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains(
            "--max-upload-mb",
            Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetString()
        );
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task NoAudio_400_UndecodableBytes_415()
    {
        await AssertErrorAsync(new ByteArrayContent([]), HttpStatusCode.BadRequest, "empty upload");
        var form = new MultipartFormDataContent { { new StringContent("hello"), "comment" } };
        await AssertErrorAsync(form, HttpStatusCode.BadRequest, "no file part");
        // A WAV header with a data chunk of zero samples.
        await AssertErrorAsync(
            new ByteArrayContent(File.ReadAllBytes(serve.Wav("empty.wav", []))),
            HttpStatusCode.BadRequest,
            "no samples"
        );
        await AssertErrorAsync(
            new StringContent("this is not audio at all, just some text"),
            HttpStatusCode.UnsupportedMediaType,
            "cannot decode"
        );
        var noise = new byte[5000];
        new Random(3).NextBytes(noise);
        await AssertErrorAsync(Multipart(noise, "noise.wav"), HttpStatusCode.UnsupportedMediaType, "cannot decode");
        // A truncated RIFF header.
        await AssertErrorAsync(
            new ByteArrayContent(Encoding.ASCII.GetBytes("RIFF\x24\0\0\0WAVEfmt ")),
            HttpStatusCode.UnsupportedMediaType,
            "cannot decode"
        );
    }

    [Fact]
    public async Task AudioLongerThanTheLimit_413_EvenWhenTheFileIsSmall()
    {
        var wav = serve.Wav("seven.wav", TestWav.Voiced(7.0, 16000, 4)); // 224 kB: under the upload limit
        await AssertErrorAsync(
            new ByteArrayContent(File.ReadAllBytes(wav)),
            HttpStatusCode.RequestEntityTooLarge,
            "--max-seconds"
        );
        // Ten minutes of silence compress to about 100 kB of FLAC: refused from its header, before it is decoded.
        var flac = serve.Files.File("ten-minutes.flac");
        AudioTestTools.Run(
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=16000:cl=mono",
            "-t",
            "600",
            "-c:a",
            "flac",
            flac
        );
        Assert.True(new FileInfo(flac).Length < 300_000);
        await AssertErrorAsync(
            Multipart(File.ReadAllBytes(flac), "ten-minutes.flac"),
            HttpStatusCode.RequestEntityTooLarge,
            "600.0 s long"
        );
        // Exactly at the limit is accepted.
        var six = serve.Wav("six.wav", TestWav.Voiced(6.0, 16000, 5));
        var (status, body, _) = await PostAsync(new ByteArrayContent(File.ReadAllBytes(six)));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task QueueFull_503WithRetryAfter_ThenTheHeldRequestsComplete()
    {
        var body = File.ReadAllBytes(serve.Wav("held.wav", TestWav.Voiced(1.0, 16000, 6)));
        // --max-concurrent 1 --queue 1: two requests admitted (uploading counts), the third is turned away.
        using var first = HeldUpload.Begin(serve.Server.BaseUri, body, 100);
        using var second = HeldUpload.Begin(serve.Server.BaseUri, body, 100);
        await serve.Server.WaitForHealthAsync(waiting: 2);
        var (status, error, response) = await PostAsync(new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("busy", error.GetProperty("error").GetString());
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 3600);

        var results = await Task.WhenAll(first.FinishAsync(), second.FinishAsync());
        foreach (var (code, text) in results)
        {
            Assert.True(code == 200, text);
            Assert.Contains(Json(text).GetProperty("label").GetString(), Labels);
        }
        await serve.Server.WaitForHealthAsync(waiting: 0);
        (status, _, _) = await PostAsync(new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task ClientThatDisconnectsMidUpload_LeavesTheServerServing()
    {
        var body = File.ReadAllBytes(serve.Wav("cut.wav", TestWav.Voiced(1.0, 16000, 7)));
        using (HeldUpload.Begin(serve.Server.BaseUri, body, 1000))
            await serve.Server.WaitForHealthAsync(waiting: 1);
        await serve.Server.WaitForHealthAsync(waiting: 0);
        Assert.Empty(serve.Server.TemporaryFiles); // the half-received upload was deleted
        var (status, _, _) = await PostAsync(new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task UnknownPathAndWrongMethod_JsonErrors()
    {
        var missing = await _http.GetAsync("api/nothing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not found", Json(await missing.Content.ReadAsStringAsync()).GetProperty("error").GetString());
        var wrong = await _http.GetAsync("api/predict");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrong.StatusCode);
        Assert.Equal(
            "method not allowed",
            Json(await wrong.Content.ReadAsStringAsync()).GetProperty("error").GetString()
        );
    }

    [Fact]
    public async Task EveryRequest_OneLogLine_WithStatusAndMilliseconds()
    {
        var marker = "/api/log-probe-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++)
            await _http.GetAsync(marker);
        var lines = serve
            .Server.WaitForLog(log => log.Count(l => l.Contains(marker)) >= 3, "three lines for the probe path")
            .Where(l => l.Contains(marker))
            .ToList();
        Assert.Equal(3, lines.Count);
        foreach (var line in lines)
        {
            Assert.Contains("Method: GET", line);
            Assert.Contains("StatusCode: 404", line);
            Assert.True(Regex.IsMatch(line, @"Duration: [0-9]+(\.[0-9]+)?$"), line); // milliseconds
        }
    }
}
