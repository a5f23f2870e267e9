using System.Diagnostics;
using Emolingua.Util;

namespace Emolingua.Tests.Util;

public class ExternalProcessTests
{
    [Fact]
    public void StdinReachesTheToolAndExitCodeStdoutAndStderrComeBack()
    {
        var output = ExternalProcess.Run(
            "/bin/sh",
            ["-c", "cat; echo 'sbatch: error: no' >&2; exit 3"],
            "line one\nzwei ü\n"u8.ToArray()
        );
        Assert.NotNull(output);
        Assert.Equal(3, output.ExitCode);
        Assert.Equal("line one\nzwei ü\n"u8.ToArray(), output.Stdout);
        Assert.Equal("line one\nzwei ü\n", output.StdoutText);
        Assert.Equal("sbatch: error: no\n", output.Stderr);
    }

    [Fact]
    public void LargeOutputOnBothPipesDoesNotStallTheTool()
    {
        // Far more than a pipe buffer (64 KiB) on each stream: a runner that drained one after the other would hang.
        var output = ExternalProcess.Run(
            "/bin/sh",
            ["-c", "head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 1000000 /dev/zero"],
            timeout: TimeSpan.FromSeconds(60)
        );
        Assert.NotNull(output);
        Assert.Equal(0, output.ExitCode);
        Assert.Equal(1_000_000, output.Stdout.Length);
        Assert.Equal(new string('e', 300_000), output.Stderr);
    }

    [Fact]
    public void AToolThatOutlivesItsTimeoutIsKilledAndGivesNull()
    {
        var clock = Stopwatch.StartNew();
        Assert.Null(ExternalProcess.Run("/bin/sh", ["-c", "sleep 60"], timeout: TimeSpan.FromMilliseconds(300)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void LocateFindsAToolOnlyInTheSearchPathGiven()
    {
        var dir = Directory.CreateTempSubdirectory("emolingua-locate-").FullName;
        try
        {
            var tool = Path.Combine(dir, "fake-ffprobe");
            File.WriteAllText(tool, "#!/bin/sh\n");
            Assert.Equal(tool, ExternalProcess.Locate("fake-ffprobe", "/nonexistent" + Path.PathSeparator + dir));
            Assert.Null(ExternalProcess.Locate("fake-ffprobe", "/nonexistent"));
            Assert.Null(ExternalProcess.Locate("fake-ffprobe", ""));
            Assert.Null(ExternalProcess.Locate("fake-ffprobe", null));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
