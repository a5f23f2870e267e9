using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Emolingua.Tests.Cli;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Emolingua.Tests.Server;

/// <summary>
/// The page in a real browser: what it shows must equal what /api/predict answers for the same audio (the label, each
/// probability, the timeline's windows); it fits a phone's width; the controls are labelled and reachable by keyboard;
/// and a recording made through the Web Audio path is a PCM16 WAV that the server accepts.
/// </summary>
[Collection("Console")]
public class ServePageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Labels = ["angry", "happy", "neutral", "sad"];
    private ChromeDriver Driver => browser.Driver;

    private static void Until(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            Thread.Sleep(50);
        }
    }

    private object? Script(string script, params object[] args) =>
        ((IJavaScriptExecutor)Driver).ExecuteScript(script, args);

    private void OpenPage()
    {
        Driver.Manage().Window.Size = new System.Drawing.Size(800, 1100);
        Driver.Navigate().GoToUrl(browser.Server.BaseUri);
        Until(() => Driver.FindElement(By.Id("model-info")).Text.StartsWith("Model: baseline"), "the model line");
    }

    /// <summary>Waits for a result whose duration line differs from the one before (the page keeps the last
    /// result).</summary>
    private void WaitForResult(string previousMeta)
    {
        Until(
            () =>
                Driver.FindElement(By.Id("result")).Displayed
                && Driver.FindElement(By.Id("result-meta")).Text != previousMeta
                && Driver.FindElements(By.CssSelector("#bars .bar")).Count == Labels.Length,
            "the result bars"
        );
    }

    private async Task<JsonElement> ApiPredictAsync(byte[] audio)
    {
        using var http = browser.Server.Client();
        var content = new ByteArrayContent(audio);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await http.PostAsync("api/predict", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private void Screenshot(string name) =>
        ((ITakesScreenshot)Driver).GetScreenshot().SaveAsFile(Path.Combine(BrowserFixture.OutputFolder, name));

    private string Upload(string name, float[] samples)
    {
        var path = browser.Files.File(name);
        TestWav.WritePcm16Mono(path, samples, 16000);
        var before = Driver.FindElement(By.Id("result-meta")).Text;
        Driver.FindElement(By.Id("file-input")).SendKeys(path);
        WaitForResult(before);
        return path;
    }

    [Fact]
    public async Task UploadedWav_ShowsTheApisLabel_AndOneBarPerEmotionWithItsProbability()
    {
        OpenPage();
        var path = Upload("short.wav", PredictTests.Varied(0.8, 41));
        var api = await ApiPredictAsync(File.ReadAllBytes(path));

        var shown = Driver.FindElement(By.Id("predicted-label"));
        Assert.Equal(api.GetProperty("label").GetString(), shown.GetAttribute("data-label"));
        Assert.Equal(api.GetProperty("label").GetString(), shown.Text, ignoreCase: true);
        var bars = Driver.FindElements(By.CssSelector("#bars .bar"));
        Assert.Equal(Labels, bars.Select(b => b.GetAttribute("data-label")));
        foreach (var bar in bars)
        {
            var label = bar.GetAttribute("data-label")!;
            var meter = bar.FindElement(By.CssSelector("[role=meter]"));
            var shownValue = double.Parse(meter.GetAttribute("aria-valuenow")!, CultureInfo.InvariantCulture);
            Assert.Equal(api.GetProperty("probabilities").GetProperty(label).GetDouble(), shownValue, 6);
            Assert.Equal(
                (100 * shownValue).ToString("0.0", CultureInfo.InvariantCulture) + " %",
                bar.FindElement(By.CssSelector(".bar-value")).Text
            );
            // The bar is drawn: its fill's width is the probability of the track's width.
            Until(
                () =>
                    Math.Abs(
                        Convert.ToDouble(
                            Script(
                                "const f = arguments[0].querySelector('.bar-fill'); return f.getBoundingClientRect().width / f.parentElement.getBoundingClientRect().width;",
                                bar
                            )
                        ) - shownValue
                    ) < 0.01,
                $"the {label} bar's width"
            );
        }
        Assert.Contains(
            "top",
            bars.Single(b => b.GetAttribute("data-label") == api.GetProperty("label").GetString()).GetAttribute("class")
        );
        Assert.False(Driver.FindElement(By.Id("timeline-section")).Displayed, "one window needs no timeline");
        Screenshot("short.png");
    }

    [Fact]
    public async Task LongFile_TimelineHasOneBlockPerWindowWithTheApisLabels_AndThePageFitsAPhone()
    {
        OpenPage();
        var path = Upload("long.wav", PredictTests.Varied(5.0, 42));
        var api = await ApiPredictAsync(File.ReadAllBytes(path));
        var segments = api.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(9, segments.Count); // 5 s, 1 s windows, 0.5 s hop: starts 0, 0.5, ..., 4 s

        Assert.True(Driver.FindElement(By.Id("timeline-section")).Displayed);
        var blocks = Driver.FindElements(By.CssSelector("#timeline li"));
        Assert.Equal(
            segments.Select(s => s.GetProperty("label").GetString()),
            blocks.Select(b => b.GetAttribute("data-label"))
        );
        Assert.True(
            segments.Select(s => s.GetProperty("label").GetString()).Distinct().Count() > 1,
            "every window has the same label: the timeline check is weak"
        );
        // Blocks tile the track: each starts where the previous ends, the last ends at the track's end.
        var edges = blocks.Select(b => (Left: b.Location.X, Right: b.Location.X + b.Size.Width)).ToList();
        var track = Driver.FindElement(By.Id("timeline"));
        Assert.InRange(edges[0].Left - track.Location.X, -1, 1);
        for (var i = 1; i < edges.Count; i++)
            Assert.InRange(edges[i].Left - edges[i - 1].Right, -1, 1);
        Assert.InRange(track.Location.X + track.Size.Width - edges[^1].Right, -1, 1);
        Assert.Equal("5.0 s", Driver.FindElement(By.Id("timeline-end")).Text);
        Screenshot("long.png");

        Driver.Manage().Window.Size = new System.Drawing.Size(390, 844);
        Until(() => Convert.ToInt64(Script("return window.innerWidth;")) <= 390, "the phone-sized window");
        var overflow = Convert.ToInt64(
            Script("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        );
        Assert.True(overflow <= 0, $"the page scrolls sideways by {overflow} px at phone width");
        Assert.True(
            Driver.FindElement(By.Id("record-button")).Size.Height >= 40,
            "the record button is too small to tap"
        );
        Screenshot("long-phone.png");
    }

    [Fact]
    public async Task DroppedFile_IsAnalysedLikeAChosenOne()
    {
        OpenPage();
        var path = browser.Files.File("dropped.wav");
        TestWav.WritePcm16Mono(path, PredictTests.Varied(1.3, 43), 16000);
        var bytes = File.ReadAllBytes(path);
        var before = Driver.FindElement(By.Id("result-meta")).Text;
        // What a browser does when a file is dropped: a drop event whose DataTransfer holds the file.
        Script(
            """
            const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'dropped.wav', { type: 'audio/wav' }));
            const zone = document.getElementById('drop-zone');
            zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
            """,
            Convert.ToBase64String(bytes)
        );
        WaitForResult(before);
        var api = await ApiPredictAsync(bytes);
        Assert.Equal(
            api.GetProperty("label").GetString(),
            Driver.FindElement(By.Id("predicted-label")).GetAttribute("data-label")
        );
        // 1.3 s with 1 s windows: starts 0 and 0.3 s (the last window ends at the clip's end).
        Assert.StartsWith("1.3 s of audio, 2 windows", Driver.FindElement(By.Id("result-meta")).Text);
        Assert.Equal("Analysed dropped.wav.", Driver.FindElement(By.Id("status")).Text);
    }

    [Fact]
    public void Controls_AreLabelled_AndReachedByTheKeyboardInOrder()
    {
        OpenPage();
        // The file input is named by its <label>, the record button by its text; the status is announced.
        Assert.Equal(
            "Choose an audio file or drop one here: WAV, MP3, FLAC, Ogg, M4A…",
            Script(
                "return Array.from(document.getElementById('file-input').labels).map(l => l.innerText.replace(/\\s+/g, ' ').trim()).join(' ');"
            )
        );
        Assert.Equal("Record", Driver.FindElement(By.Id("record-button")).Text);
        Assert.Equal("polite", Driver.FindElement(By.Id("status")).GetAttribute("aria-live"));
        Script("document.activeElement && document.activeElement.blur(); window.focus();");
        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            new OpenQA.Selenium.Interactions.Actions(Driver).SendKeys(Keys.Tab).Perform();
            order.Add((string)Script("return document.activeElement.id || document.activeElement.tagName;")!);
        }
        Assert.Equal(["file-input", "record-button", "live-file-input", "A"], order);
    }

    [Fact]
    public async Task Recording_ByKeyboard_SendsAPcm16WavThatTheServerAccepts()
    {
        // The page's CSP (connect-src 'self') keeps its scripts from fetching blob: URLs; the test reads the recording
        // behind the download link that way, so CSP is bypassed (through the DevTools protocol) for this page load
        // only.
        SetCspBypass(true);
        try
        {
            await RecordAndCheck();
        }
        finally
        {
            SetCspBypass(false);
        }
    }

    private void SetCspBypass(bool enabled) =>
        Driver.ExecuteCdpCommand("Page.setBypassCSP", new Dictionary<string, object?> { ["enabled"] = enabled });

    private async Task RecordAndCheck()
    {
        OpenPage();
        var button = Driver.FindElement(By.Id("record-button"));
        var before = Driver.FindElement(By.Id("result-meta")).Text;
        button.SendKeys(Keys.Enter);
        Until(() => button.GetAttribute("aria-pressed") == "true", "recording to start");
        Until(
            () =>
                System.Text.RegularExpressions.Regex.Match(
                    Driver.FindElement(By.Id("status")).Text,
                    @"Recording… ([0-9.]+) s"
                )
                    is { Success: true } m
                && double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= 1.5,
            "1.5 s of recording"
        );
        // Live: the timeline grows and the current emotion shows while the button still says Stop.
        Until(
            () => Driver.FindElements(By.CssSelector("#timeline li")).Count >= 2,
            "two live windows before Record is pressed again"
        );
        Assert.Equal("true", button.GetAttribute("aria-pressed"));
        Assert.Equal("true", Driver.FindElement(By.Id("result")).GetAttribute("data-live"));
        Assert.Contains(Driver.FindElement(By.Id("predicted-label")).GetAttribute("data-label"), Labels);
        Assert.Matches(@"^Recording: [0-9.]+ s so far, \d+ windows", Driver.FindElement(By.Id("result-meta")).Text);
        Screenshot("live.png");
        button.SendKeys(Keys.Enter);
        Until(
            () =>
                Driver.FindElement(By.Id("result")).GetAttribute("data-live") == null
                && Driver.FindElement(By.Id("result-meta")).Text.Contains(" s of audio"),
            "the stream's end"
        );
        Assert.Equal("false", button.GetAttribute("aria-pressed"));

        // The page's own recording, read back from its download link (a blob: URL, which the CSP bypass lets a script
        // fetch).
        var base64 = (string)
            ((IJavaScriptExecutor)Driver).ExecuteAsyncScript(
                """
                const done = arguments[arguments.length - 1];
                fetch(document.getElementById('recording-link').href).then(r => r.arrayBuffer()).then(b => {
                  const bytes = new Uint8Array(b); let s = '';
                  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
                  done(btoa(s));
                }).catch(e => done('failed: ' + e));
                """
            )!;
        Assert.DoesNotMatch("^failed", base64);
        var wav = Convert.FromBase64String(base64);
        // Read the header by hand (RIFF/WAVE, one 16-byte PCM fmt chunk, then data): mono 16-bit PCM.
        Assert.Equal("RIFF", Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal("WAVE", Encoding.ASCII.GetString(wav, 8, 4));
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
        Assert.Equal("fmt ", Encoding.ASCII.GetString(wav, 12, 4));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(20))); // PCM
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22))); // mono
        var rate = BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24));
        Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34))); // bits
        Assert.Equal("data", Encoding.ASCII.GetString(wav, 36, 4));
        var samples = BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)) / 2;
        Assert.Equal(44 + 2 * samples, wav.Length);
        var seconds = samples / (double)rate;
        Assert.InRange(seconds, 1.4, 10);
        // The fake microphone plays a loud voiced signal: the recording is not silence.
        var rms = Math.Sqrt(
            Enumerable
                .Range(0, samples)
                .Average(i => Math.Pow(BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(44 + 2 * i)) / 32768.0, 2))
        );
        Assert.True(rms > 0.02, $"the recording is almost silent (rms {rms})");

        var api = await ApiPredictAsync(wav);
        // resampled to 16 kHz
        Assert.InRange(api.GetProperty("duration_s").GetDouble(), seconds - 1e-3, seconds + 1e-3);
        Assert.Equal(
            api.GetProperty("label").GetString(),
            Driver.FindElement(By.Id("predicted-label")).GetAttribute("data-label")
        );
        Assert.StartsWith(
            $"{seconds.ToString("0.0", CultureInfo.InvariantCulture)} s of audio",
            Driver.FindElement(By.Id("result-meta")).Text
        );
        // The stream's windows are /api/predict's windows of the same recording.
        var segments = api.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(
            segments.Select(x => x.GetProperty("label").GetString()),
            Driver.FindElements(By.CssSelector("#timeline li")).Select(b => b.GetAttribute("data-label"))
        );
        // Within 1e-4, as in ServeContractTests: this page's tiny model magnifies the engine's batch-size rounding to
        // 2e-5 (the stream classifies windows as they come, /api/predict all at once; EmotionStreamTests holds 1e-5 on
        // a tamer model).
        foreach (var bar in Driver.FindElements(By.CssSelector("#bars .bar")))
        {
            var expected = api.GetProperty("probabilities").GetProperty(bar.GetAttribute("data-label")!).GetDouble();
            var shown = double.Parse(
                bar.FindElement(By.CssSelector("[role=meter]")).GetAttribute("aria-valuenow")!,
                CultureInfo.InvariantCulture
            );
            Assert.True(
                Math.Abs(expected - shown) <= 1e-4,
                $"{bar.GetAttribute("data-label")}: the page shows {shown}, /api/predict {expected}"
            );
        }
    }

    [Fact]
    public void PlayingAFileLive_ShowsWindowsWhilePlaying_ThenTheWholeResult()
    {
        OpenPage();
        var path = browser.Files.File("live.wav");
        TestWav.WritePcm16Mono(path, PredictTests.Varied(3.0, 44), 16000);
        Driver.FindElement(By.Id("live-file-input")).SendKeys(path);
        Until(
            () => Driver.FindElement(By.Id("result")).GetAttribute("data-live") == "true",
            "a live window while the file plays",
            20
        );
        Assert.StartsWith("Playing live.wav live", Driver.FindElement(By.Id("status")).Text);
        Until(() => Driver.FindElement(By.Id("status")).Text == "Played live.wav live.", "the end of the file", 30);
        Assert.StartsWith("3.0 s of audio, 5 windows", Driver.FindElement(By.Id("result-meta")).Text);
        Assert.Equal(5, Driver.FindElements(By.CssSelector("#timeline li")).Count);
    }
}
