using System.Diagnostics;
using Emolingua.Cli;
using Emolingua.Features;
using Emolingua.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Emolingua.Tests.Cli;

public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Runs CLI commands in-process (console redirected; callers sit in a non-parallel collection) or as a child
/// process.</summary>
public static class CliHarness
{
    /// <summary>In-process through Program.Main, so argument dispatch and error reporting are the real ones.</summary>
    public static CliResult RunInProcess(params string[] argv)
    {
        var (savedOut, savedErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        int code;
        try
        {
            code = Program.Main(argv);
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedErr);
        }
        return new CliResult(code, o.ToString(), e.ToString());
    }

    /// <summary>
    /// The bad-input contract: a non-zero exit, exactly one stderr line "error: ..." holding every
    /// <paramref name="mustContain"/>, no stack trace, no exception type name (a leaked or unwrapped exception),
    /// nothing on stdout.
    /// </summary>
    public static void AssertOneLineError(CliResult r, params string[] mustContain)
    {
        Assert.True(r.ExitCode != 0, $"exit code 0; stdout: {r.Out}");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line, got {lines.Length}:\n{r.Err}");
        Assert.StartsWith("error:", lines[0]);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Exception", r.Err); // a type name means an unhandled or unwrapped exception leaked
        foreach (var s in mustContain)
            Assert.Contains(s, lines[0]);
        Assert.Equal("", r.Out);
    }

    /// <summary>The exit code of a refusal of bad input (README "Commands": 1 for bad input, 2 for an internal
    /// error).</summary>
    public const int BadInputExitCode = 1;

    /// <summary>
    /// The documented refusal of bad input: exit code 1, stderr exactly the one line <paramref name="expectedLine"/>
    /// ("error: FILE-or-OPTION: problem"), nothing on stdout.
    /// </summary>
    public static void AssertRefused(CliResult r, string expectedLine)
    {
        Assert.True(
            r.ExitCode == BadInputExitCode,
            $"exit code {r.ExitCode}, expected {BadInputExitCode}; stderr: {r.Err}"
        );
        Assert.Equal(expectedLine, r.Err.TrimEnd('\n'));
        Assert.Equal("", r.Out);
    }

    public static string CliDll { get; } = Path.Combine(AppContext.BaseDirectory, "Emolingua.Cli.dll");

    /// <summary>The built CLI as a child process (dotnet Emolingua.Cli.dll ...).</summary>
    public static CliResult RunChild(params string[] argv) => RunChild(new Dictionary<string, string?>(), argv);

    /// <summary>The built CLI as a child process with environment changes (a null value removes the
    /// variable).</summary>
    public static CliResult RunChild(IReadOnlyDictionary<string, string?> environment, params string[] argv)
    {
        using var p = Process.Start(ChildStartInfo(environment, argv))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("CLI timed out: " + string.Join(' ', argv));
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the built CLI as a child process with stdout and stderr redirected; the caller reads or kills
    /// it.</summary>
    public static Process StartChild(params string[] argv) => Process.Start(ChildStartInfo(argv))!;

    /// <summary>How to start the built CLI as a child process, output redirected (for commands that keep running, such
    /// as serve).</summary>
    public static ProcessStartInfo ChildStartInfo(params string[] argv) =>
        ChildStartInfo(new Dictionary<string, string?>(), argv);

    /// <summary>As <see cref="ChildStartInfo(string[])"/>, with environment changes (a null value removes the
    /// variable).</summary>
    public static ProcessStartInfo ChildStartInfo(
        IReadOnlyDictionary<string, string?> environment,
        params string[] argv
    )
    {
        Assert.True(File.Exists(CliDll), $"{CliDll} not found beside the test assembly");
        var host =
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h)
                ? h
                : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in argv)
            psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
        {
            if (value == null)
                psi.Environment.Remove(name);
            else
                psi.Environment[name] = value;
        }

        return psi;
    }

    /// <summary>
    /// A tiny trained-model bundle (random weights, d_model 64, 1 layer, unless <paramref name="encoder"/> is given)
    /// with a calibrated random head, saved with ModelBundle.Save.
    /// </summary>
    public static EmotionClassifier SaveTinyBundle(
        string folder,
        double seconds,
        int seed = 7,
        WhisperEncoder? encoder = null
    )
    {
        random.manual_seed(seed);
        encoder ??= new WhisperEncoder(new WhisperConfig(64, 1, 4, 128), WhisperAudio.PositionsFor(seconds));
        var model = new EmotionClassifier(encoder, 4, 32, 0.1);
        // A random encoder's time-mean embedding is nearly the same for every input, so a random head gives the same
        // probabilities everywhere. Centre and scale the head on a few calibration signals so that inputs are told
        // apart.
        model.eval();
        using (no_grad())
        {
            using var scope = NewDisposeScope();
            var n = WhisperAudio.SamplesFor(seconds);
            var rng = new Random(seed);
            var calibration = Enumerable
                .Range(0, 6)
                .Select(i =>
                    Enumerable
                        .Range(0, n)
                        .Select(t =>
                            (float)(
                                (
                                    i % 2 == 0
                                        ? Math.Sin(2 * Math.PI * (150 + 120 * i) * t / 16000.0)
                                        : rng.NextDouble() * 2 - 1
                                ) * (0.05 + 0.1 * i)
                            )
                        )
                        .ToArray()
                )
                .ToList();
            var embedding = encoder.Embed(WhisperLogMel.Compute(WhisperLogMel.Batch(calibration, seconds))); // [6, 64]
            var mean = embedding.mean([0]);
            var std = embedding.std(0) + 1e-6;
            model.head.fc1.weight!.div_(std.unsqueeze(0));
            model.head.fc1.bias!.copy_(-model.head.fc1.weight!.matmul(mean));
            var hidden = functional.relu(model.head.fc1.forward(embedding));
            var logits = model.head.fc2.forward(hidden);
            model.head.fc2.weight!.mul_(1.5 / logits.std().item<float>());
            model.head.fc2.bias!.zero_();
        }
        model.eval();
        ModelBundle.Save(folder, model, seconds, "baseline");
        return model;
    }

    /// <summary>The head's logits of one exactly-window-long 16 kHz waveform, straight from the model.</summary>
    public static float[] WindowLogits(EmotionClassifier model, float[] window, double seconds)
    {
        Assert.Equal(WhisperAudio.SamplesFor(seconds), window.Length);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mel = WhisperLogMel.Compute(
            WhisperLogMel.Batch(new[] { window }, seconds),
            model.encoder.Config.NumMelBins
        );
        return model.forward(mel).data<float>().ToArray();
    }

    /// <summary>Softmax probabilities of one exactly-window-long 16 kHz waveform, straight from the model.</summary>
    public static float[] WindowProbabilities(EmotionClassifier model, float[] window, double seconds)
    {
        Assert.Equal(WhisperAudio.SamplesFor(seconds), window.Length);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mel = WhisperLogMel.Compute(
            WhisperLogMel.Batch(new[] { window }, seconds),
            model.encoder.Config.NumMelBins
        );
        return nn.functional.softmax(model.forward(mel), 1).data<float>().ToArray();
    }

    /// <summary>The mean of <see cref="WindowProbabilities"/> over the windows of <paramref name="clip"/> starting at
    /// <paramref name="starts"/> (zero-padded past its end).</summary>
    public static float[] MeanWindowProbabilities(
        EmotionClassifier model,
        float[] clip,
        IEnumerable<int> starts,
        double seconds
    )
    {
        var length = WhisperAudio.SamplesFor(seconds);
        var windows = starts
            .Select(s =>
            {
                var w = new float[length];
                Array.Copy(clip, s, w, 0, Math.Min(length, clip.Length - s));
                return WindowProbabilities(model, w, seconds);
            })
            .ToList();
        return Enumerable.Range(0, windows[0].Length).Select(k => windows.Average(p => p[k])).ToArray();
    }
}
