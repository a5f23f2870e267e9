using Emolingua.Tests.Cli;
using OpenQA.Selenium.Chrome;

namespace Emolingua.Tests.Server;

/// <summary>
/// The server (tiny 1-second bundle, default limits) and Debian's headless Chromium driven through chromium-driver.
/// The fake microphone plays a known WAV, so the record path has real sound to capture.
/// </summary>
public sealed class BrowserFixture : IDisposable
{
    public const string Chromium = "/usr/bin/chromium",
        ChromeDriver = "/usr/bin/chromedriver";
    public TinyBundleFixture Bundle { get; } = new();
    public TempDir Files { get; } = new();
    public ServerProcess Server { get; }
    public ChromeDriver Driver { get; }

    /// <summary>Screenshots land here, beside the test assembly.</summary>
    public static string OutputFolder { get; } = Path.Combine(AppContext.BaseDirectory, "serve-page");

    public BrowserFixture()
    {
        foreach (var tool in new[] { Chromium, ChromeDriver })
        {
            Assert.True(
                File.Exists(tool),
                $"{tool} is missing: install Debian's chromium and chromium-driver (./test.sh does)"
            );
        }

        Directory.CreateDirectory(OutputFolder);
        Server = ServerProcess.Start("--model", Path.GetDirectoryName(Bundle.Folder)!);
        var microphone = Files.File("microphone.wav");
        TestWav.WritePcm16Mono(microphone, TestWav.Voiced(3.0, 48000, 11), 48000);

        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            $"--user-data-dir={Files.File("chromium-profile")}",
            "--window-size=800,1100",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            $"--use-file-for-fake-audio-capture={microphone}"
        );
        var service = ChromeDriverService.CreateDefaultService(
            Path.GetDirectoryName(ChromeDriver)!,
            Path.GetFileName(ChromeDriver)
        );
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        Server.Dispose();
        Bundle.Dispose();
        Files.Dispose();
    }
}
