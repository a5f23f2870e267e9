using System.Net;
using Emolingua.Models.Onnx;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Server;
using Xunit.Abstractions;

namespace Emolingua.Tests.Edge;

/// <summary>
/// The per-request memory bound of issue 18, on the real CLI: `serve` with the tiny bundle exported to ONNX, a
/// 16 kHz mono 16-bit WAV of about 5 MB and one of about 20 MB, each posted once as the raw body. For each, the peak
/// resident memory the request adds (VmHWM after it, the high-water mark having been reset to the RSS just before
/// it by writing 5 to /proc/PID/clear_refs) must stay within 4 × the upload + the model file. Peak RSS counts
/// managed and native memory alike and does not depend on how fast a loaded machine runs.
/// </summary>
[Collection("Console")]
public sealed class ServeMemoryBoundTests(TinyBundleFixture bundle, ITestOutputHelper output)
    : IClassFixture<TinyBundleFixture>
{
    [Fact]
    public async Task A_request_peaks_within_four_times_its_upload_plus_the_model()
    {
        using var dir = new TempDir();
        var onnx = dir.File("model.onnx");
        OnnxExport.Export(bundle.Folder, onnx);
        var modelBytes = new FileInfo(onnx).Length;
        using var server = ServerProcess.Start(
            "--model",
            onnx,
            "--max-upload-mb",
            "64",
            "--max-seconds",
            "2000",
            "--max-concurrent",
            "1"
        );
        using var http = server.Client(TimeSpan.FromMinutes(5));

        byte[] Wav(double seconds, int seed)
        {
            var path = dir.File($"clip{seed}.wav");
            TestWav.WritePcm16Mono(path, PredictTests.Varied(seconds, seed), 16000);
            return File.ReadAllBytes(path);
        }

        // Warm-up: JIT, Kestrel's pools and ONNX Runtime's arena at its full batch (40 windows: more than a chunk of 32
        // and a batch of 16); a 0.6 MB clip, so no heap has already grown to the sizes below.
        await Post(http, Wav(20, 1));
        var measured = new List<(long Upload, long Rise, long Bound, long Before)>();
        foreach (var (seconds, seed) in new[] { (160.0, 2), (640.0, 3) }) // 5.1 MB and 20.5 MB of 16-bit samples
        {
            var upload = Wav(seconds, seed);
            await server.WaitForHealthAsync(0);
            File.WriteAllText($"/proc/{server.Pid}/clear_refs", "5"); // VmHWM := VmRSS
            var before = server.Memory().Rss;
            await Post(http, upload);
            measured.Add((upload.Length, server.Memory().Peak - before, 4L * upload.Length + modelBytes, before));
        }
        var report = string.Join(
            "; ",
            measured.Select(m =>
                $"upload {m.Upload / 1e6:0.0} MB: peak rise {m.Rise / 1e6:0.0} MB, bound {m.Bound / 1e6:0.0} MB (RSS before {m.Before / 1e6:0} MB)"
            )
        );
        output.WriteLine(report);
        Assert.All(measured, m => Assert.True(m.Rise <= m.Bound, report));
    }

    private static async Task Post(HttpClient http, byte[] wav)
    {
        using var response = await http.PostAsync("api/predict", new ByteArrayContent(wav));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
    }
}
