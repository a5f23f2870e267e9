using Emolingua.Audio;
using Emolingua.Features;

namespace Emolingua.Tests.Audio;

public class WaveformStoreTests
{
    /// <summary>
    /// Tasks of a Slurm grid share one decoded-audio cache folder: many stores decoding the same file at once (same
    /// process here, so the same PID, as on different hosts) must all get the right samples and leave one whole entry.
    /// </summary>
    [Fact]
    public void ConcurrentWritersOfTheSameCacheEntryLeaveOneWholeFile()
    {
        using var dir = new TempDir();
        var wav = dir.File("clip.wav");
        var signal = TestWav.Voiced(2.0, 16000, pauses: true);
        TestWav.WritePcm16Mono(wav, signal, 16000);
        var expected = TestWav.ReadPcm16Mono(wav); // an independent reader
        var cache = dir.File("cache");

        for (var round = 0; round < 5; round++)
        {
            var results = new float[16][];
            var errors = new Exception?[results.Length];
            using var start = new Barrier(results.Length);
            var threads = Enumerable
                .Range(0, results.Length)
                .Select(i => new Thread(() =>
                {
                    // a task of its own: nothing shared in memory
                    var store = new WaveformStore(WhisperAudio.SampleRate, cache);
                    start.SignalAndWait();
                    try
                    {
                        results[i] = store.Get(wav);
                    }
                    catch (Exception e)
                    {
                        errors[i] = e;
                    } // e.g. two writers in one temp file
                }))
                .ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.All(errors, e => Assert.Null(e));
            foreach (var r in results)
                Assert.Equal(expected, r);
        }
        var files = Directory.GetFiles(cache, "*", SearchOption.AllDirectories);
        var entry = Assert.Single(files); // no temp file left behind
        Assert.EndsWith(".f32", entry);
        Assert.Equal(expected, AudioTestTools.Floats(File.ReadAllBytes(entry)));
        Assert.Equal(expected, new WaveformStore(WhisperAudio.SampleRate, cache).Get(wav)); // read back from disk
    }
}
