using Emolingua.Tests.Cli;
using Emolingua.Tests.Server;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Emolingua.Tests.Edge;

/// <summary>
/// The page against a server with --api-key-file, in Debian's headless Chromium: at the first 401 it asks for the key
/// once (a prompt), sends it from then on, and keeps it for the tab (sessionStorage), so a reload asks nothing.
/// </summary>
[Collection("Console")]
public class ServePageKeyTests(EdgeFiles files) : IClassFixture<EdgeFiles>
{
    [Fact]
    public void Page_asks_for_the_key_once_and_keeps_it_for_the_tab()
    {
        foreach (var tool in new[] { BrowserFixture.Chromium, BrowserFixture.ChromeDriver })
        {
            Assert.True(
                File.Exists(tool),
                $"{tool} is missing: install Debian's chromium and chromium-driver (./test.sh does)"
            );
        }

        using var server = ServerProcess.Start("--model", files.RunDir, "--api-key-file", files.KeysFile);
        using var profile = new TempDir();
        var options = new ChromeOptions
        {
            BinaryLocation = BrowserFixture.Chromium,
            UnhandledPromptBehavior = UnhandledPromptBehavior.Ignore,
        };
        options.AddArguments(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            $"--user-data-dir={profile.Path}"
        );
        var service = ChromeDriverService.CreateDefaultService(
            Path.GetDirectoryName(BrowserFixture.ChromeDriver)!,
            Path.GetFileName(BrowserFixture.ChromeDriver)
        );
        service.SuppressInitialDiagnosticInformation = true;
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));

        IAlert WaitForPrompt()
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    return driver.SwitchTo().Alert();
                }
                catch (NoAlertPresentException)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the page never asked for the key");
                    Thread.Sleep(100);
                }
            }
        }
        string ModelInfo()
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string text;
            while (
                (text = driver.FindElement(By.Id("model-info")).Text).Length == 0
                || text.StartsWith("Loading", StringComparison.Ordinal)
            )
            {
                Assert.True(DateTime.UtcNow < deadline, "the model line never filled");
                Thread.Sleep(100);
            }
            return text;
        }

        driver.Navigate().GoToUrl(server.BaseUri);
        var prompt = WaitForPrompt();
        Assert.Contains("API key", prompt.Text);
        prompt.SendKeys(EdgeFiles.KeyB);
        prompt.Accept();
        Assert.StartsWith("Model: baseline", ModelInfo());
        Assert.Equal(
            EdgeFiles.KeyB,
            ((IJavaScriptExecutor)driver).ExecuteScript("return sessionStorage.getItem('emolingua-api-key');")
        );

        // A reload in the same tab: the key is reused, no second prompt.
        driver.Navigate().Refresh();
        Assert.StartsWith("Model: baseline", ModelInfo());
        Assert.Throws<NoAlertPresentException>(() => driver.SwitchTo().Alert());
        // One 401 (the first load, before the prompt), then two 200s: the retry with the key and the reload.
        server.WaitForLog(
            l => l.Count(x => x.Contains("Path: /api/model StatusCode: 200")) == 2,
            "two successful /api/model requests"
        );
        Assert.Single(server.Log, l => l.Contains("Path: /api/model StatusCode: 401"));
    }
}
