using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emolingua.Tests.Cli;
using Emolingua.Tests.Inference;
using Xunit.Abstractions;

namespace Emolingua.Tests.Packaging;

[Collection("Console")]
public class PackageTests(PackedFeed feed, WhisperFixtureBundle bundle, ITestOutputHelper output)
    : IClassFixture<PackedFeed>,
        IClassFixture<WhisperFixtureBundle>
{
    public sealed record Result(int ExitCode, string Out, string Err);

    /// <summary>Runs a process to its end (bounded in time); a non-zero exit fails the test with its output.</summary>
    public static Result Run(string file, string workingDirectory, TimeSpan timeout, params string[] args) =>
        Run(file, workingDirectory, timeout, true, args);

    public static Result Run(string file, string workingDirectory, TimeSpan timeout, bool check, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took longer than {timeout}");
        }
        var r = new Result(p.ExitCode, stdout.Result, stderr.Result);
        if (check && r.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args)} exited {r.ExitCode}:\n{r.Out}\n{r.Err}"
            );
        }

        return r;
    }

    private static XDocument Nuspec(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static List<string> Entries(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    private static long FolderBytes(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private string Clip()
    {
        var path = feed.Dir.File("clip.wav");
        if (!File.Exists(path))
        {
            TestWav.WritePcm16Mono(path, TestWav.Voiced(9, 16000), 16000); // 9 s: several windows of the 4 s model
        }
        return path;
    }

    [Fact]
    public void EveryPackage_HasItsReadme_License_Repository_Symbols_AndTheOneVersion()
    {
        output.WriteLine(feed.PackLog);
        foreach (var id in new[] { "Emolingua.Runtime", "Emolingua", "Emolingua.Tool" })
        {
            var nupkg = feed.Package(id);
            Assert.True(File.Exists(nupkg), $"{nupkg} was not packed");
            output.WriteLine($"{id}: {new FileInfo(nupkg).Length / 1e6:0.0} MB");
            var ns = Nuspec(nupkg).Root!.Name.Namespace;
            var metadata = Nuspec(nupkg).Root!.Element(ns + "metadata")!;
            Assert.Equal(feed.Version, metadata.Element(ns + "version")!.Value);
            Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
            Assert.StartsWith("https://github.com/", metadata.Element(ns + "repository")!.Attribute("url")!.Value);
            Assert.Contains("README.md", Entries(nupkg));
            Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), $"no symbols package beside {nupkg}");
        }
        Assert.True(
            new FileInfo(feed.Package("Emolingua.Tool")).Length < 250_000_000,
            "the tool is over nuget.org's 250 MB limit"
        );
        Assert.Contains("lib/net10.0/Emolingua.Runtime.xml", Entries(feed.Package("Emolingua.Runtime")));
    }

    [Fact]
    public void RuntimePackage_DependsOnOnnxRuntimesManagedApi_AndNothingOfTorch()
    {
        var nuspec = Nuspec(feed.Package("Emolingua.Runtime"));
        var dependencies = nuspec
            .Descendants()
            .Where(e => e.Name.LocalName == "dependency")
            .Select(e => e.Attribute("id")!.Value)
            .ToList();
        output.WriteLine("Emolingua.Runtime depends on: " + string.Join(", ", dependencies));
        Assert.Contains("Microsoft.ML.OnnxRuntime.Managed", dependencies);
        // the app picks the native runtime (CPU or GPU)
        Assert.DoesNotContain("Microsoft.ML.OnnxRuntime", dependencies);
        Assert.DoesNotContain(dependencies, d => d.Contains("torch", StringComparison.OrdinalIgnoreCase));
        var library = Nuspec(feed.Package("Emolingua"))
            .Descendants()
            .Where(e => e.Name.LocalName == "dependency")
            .Select(e => e.Attribute("id")!.Value)
            .ToList();
        Assert.Contains("Emolingua.Runtime", library);
        Assert.Contains("TorchSharp", library);
        // the app picks CPU or CUDA
        Assert.DoesNotContain(library, d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void AConsoleAppOutsideTheRepository_PredictsAsPredictDoes_AndPublishesWithoutTorch()
    {
        // The QuickStart sample copied into a fresh folder outside the repository, restored from the feed.
        var app = Path.Combine(feed.Dir.Path, "app");
        Directory.CreateDirectory(app);
        var sample = Path.Combine(feed.Repository, "samples", "QuickStart");
        var project = File.ReadAllText(Path.Combine(sample, "QuickStart.csproj"));
        // the sample names the packages' version
        Assert.Contains($"Include=\"Emolingua.Runtime\" Version=\"{feed.Version}\"", project);
        File.Copy(Path.Combine(sample, "Program.cs"), Path.Combine(app, "Program.cs"));
        File.Copy(feed.NuGetConfig, Path.Combine(app, "nuget.config"));
        var clip = Clip();

        // First without a native ONNX Runtime: loading the model says in one sentence which package to add.
        var withoutNative = string.Join(
            '\n',
            project.Split('\n').Where(l => !l.Contains("\"Microsoft.ML.OnnxRuntime\""))
        );
        Assert.NotEqual(project, withoutNative);
        File.WriteAllText(Path.Combine(app, "QuickStart.csproj"), withoutNative);
        Run(
            "dotnet",
            app,
            TimeSpan.FromMinutes(5),
            "build",
            "-c",
            "Release",
            "-o",
            Path.Combine(app, "managed-only"),
            "-nologo"
        );
        var refused = Run(
            "dotnet",
            app,
            TimeSpan.FromMinutes(2),
            false,
            Path.Combine(app, "managed-only", "QuickStart.dll"),
            bundle.OnnxPath,
            clip
        );
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(
            $"{bundle.OnnxPath}: {Emolingua.Inference.OnnxEmotionEngine.MissingNativeRuntime}",
            refused.Err
        );

        File.WriteAllText(Path.Combine(app, "QuickStart.csproj"), project);
        var publish = Path.Combine(app, "publish");
        Run("dotnet", app, TimeSpan.FromMinutes(5), "publish", "-c", "Release", "-o", publish, "-nologo");

        var files = Directory
            .EnumerateFiles(publish, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .ToList();
        Assert.Contains("Emolingua.Runtime.dll", files);
        Assert.Contains(files, f => f!.StartsWith("libonnxruntime", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f =>
            f!.Contains("torch", StringComparison.OrdinalIgnoreCase)
            || f.StartsWith("libc10", StringComparison.Ordinal)
            || f.StartsWith("Emolingua.dll", StringComparison.Ordinal)
        );
        output.WriteLine($"publish folder: {files.Count} files, {FolderBytes(publish) / 1e6:0.0} MB");

        var printed = Run(
            "dotnet",
            app,
            TimeSpan.FromMinutes(2),
            Path.Combine(publish, "QuickStart.dll"),
            bundle.OnnxPath,
            clip
        )
            .Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var predict = CliHarness.RunInProcess("predict", "--model", bundle.OnnxPath, clip, "--json");
        Assert.Equal(0, predict.ExitCode);
        var json = JsonNode.Parse(predict.Out)!;
        Assert.Equal(json["label"]!.GetValue<string>(), printed[0]);
        var labels = printed.Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(["angry", "happy", "neutral", "sad"], labels.Select(l => l[0]));
        foreach (var l in labels)
        {
            Assert.Equal(
                json["probabilities"]![l[0]]!.GetValue<double>(),
                double.Parse(l[1], CultureInfo.InvariantCulture),
                1e-5
            );
        }
    }

    [Fact]
    public void TheBatchFolderSample_WritesOneRowPerFile_AndResumes()
    {
        var app = Path.Combine(feed.Dir.Path, "batch-app");
        Directory.CreateDirectory(app);
        var sample = Path.Combine(feed.Repository, "samples", "BatchFolder");
        foreach (var f in new[] { "BatchFolder.csproj", "Program.cs" })
            File.Copy(Path.Combine(sample, f), Path.Combine(app, f));
        Assert.Contains(
            $"Include=\"Emolingua.Runtime\" Version=\"{feed.Version}\"",
            File.ReadAllText(Path.Combine(app, "BatchFolder.csproj"))
        );
        File.Copy(feed.NuGetConfig, Path.Combine(app, "nuget.config"));
        Run(
            "dotnet",
            app,
            TimeSpan.FromMinutes(5),
            "build",
            "-c",
            "Release",
            "-o",
            Path.Combine(app, "out"),
            "-nologo"
        );

        var clips = Path.Combine(app, "clips");
        Directory.CreateDirectory(clips);
        TestWav.WritePcm16Mono(Path.Combine(clips, "a.wav"), TestWav.Voiced(3, 16000, seed: 1), 16000);
        TestWav.WritePcm16Mono(Path.Combine(clips, "b.wav"), TestWav.Voiced(5, 22050, seed: 2), 22050);
        // not audio
        File.WriteAllBytes(Path.Combine(clips, "c.wav"), [(byte)'R', (byte)'I', (byte)'F', (byte)'F', 1, 2]);
        var csv = Path.Combine(app, "predictions.csv");
        var dll = Path.Combine(app, "out", "BatchFolder.dll");
        var first = Run("dotnet", app, TimeSpan.FromMinutes(2), false, dll, bundle.OnnxPath, clips, csv);
        Assert.Equal(3, first.ExitCode); // a file with an error row
        Assert.Contains("2 predicted, 1 failed, 0 already in", first.Out);
        var rows = File.ReadAllLines(csv);
        Assert.Equal("path,label,p_angry,p_happy,p_neutral,p_sad,duration_s,error", rows[0]);
        Assert.Equal(4, rows.Length);
        Assert.EndsWith(",", rows[1]); // no error on a good file
        Assert.Contains("c.wav", rows[3]);
        // The CSV rows equal what the repository's predict writes for the same files.
        var expected = Path.Combine(app, "expected.csv");
        Assert.Equal(
            3,
            CliHarness.RunInProcess("predict", "--model", bundle.OnnxPath, clips, "--out", expected).ExitCode
        );
        Assert.Equal(File.ReadAllLines(expected), rows);
        var again = Run("dotnet", app, TimeSpan.FromMinutes(2), false, dll, bundle.OnnxPath, clips, csv);
        Assert.Contains("0 predicted, 1 failed, 3 already in", again.Out);
        Assert.Equal(rows, File.ReadAllLines(csv));
    }

    [Fact]
    public void TheTool_InstalledFromTheFeed_PrintsItsVersion_AndPredictsAsTheRepositorysCli()
    {
        var tools = Path.Combine(feed.Dir.Path, "tools");
        Run(
            "dotnet",
            feed.Dir.Path,
            TimeSpan.FromMinutes(5),
            "tool",
            "install",
            "Emolingua.Tool",
            "--version",
            feed.Version,
            "--tool-path",
            tools,
            "--configfile",
            feed.NuGetConfig
        );
        output.WriteLine($"installed tool: {FolderBytes(tools) / 1e6:0.0} MB");
        var emolingua = Path.Combine(tools, "emolingua");
        Assert.Contains(
            $"Emolingua {feed.Version}",
            Run(emolingua, feed.Dir.Path, TimeSpan.FromMinutes(1), "--version").Out
        );

        var clip = Clip();
        var viaTool = Run(
            emolingua,
            feed.Dir.Path,
            TimeSpan.FromMinutes(2),
            "predict",
            "--model",
            bundle.OnnxPath,
            clip,
            "--json"
        );
        var viaRepository = CliHarness.RunChild("predict", "--model", bundle.OnnxPath, clip, "--json");
        Assert.Equal(0, viaRepository.ExitCode);
        Assert.Equal(viaRepository.Out, viaTool.Out);
        Assert.Contains("\"label\"", viaTool.Out);

        // A model folder runs on TorchSharp, which the tool does not carry: one line says so, before TorchSharp is
        // touched.
        var folder = Run(
            emolingua,
            feed.Dir.Path,
            TimeSpan.FromMinutes(1),
            false,
            "predict",
            "--model",
            bundle.Folder,
            clip
        );
        Assert.Equal(1, folder.ExitCode);
        Assert.Equal("", folder.Out);
        var line = Assert.Single(folder.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(
            "error: this command runs TorchSharp, whose native library (libtorch) is not installed here",
            line
        );
    }
}
