using Emolingua.Audio;

namespace Emolingua.Tests.Audio;

/// <summary>
/// The streaming resampler against the whole-signal one (itself tested against sox in ResamplerTests): the same
/// samples, bit for bit, for every chunking, across the rates streams arrive at (telephone 8 kHz, 16 kHz, CD 44.1 kHz,
/// 48 kHz, and rates whose filter table is interpolated).
/// </summary>
public class StreamingResamplerTests
{
    /// <summary>Chunk sizes from 1 sample to 3 s, log-uniform so that single samples and long chunks both
    /// occur.</summary>
    internal static IEnumerable<int> RandomChunks(Random rng, int total, int rate)
    {
        var done = 0;
        while (done < total)
        {
            var size = (int)Math.Round(Math.Exp(rng.NextDouble() * Math.Log(3.0 * rate)));
            size = Math.Clamp(size, 1, total - done);
            yield return size;
            done += size;
        }
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(11025)]
    [InlineData(16000)]
    [InlineData(22050)]
    [InlineData(44100)]
    [InlineData(48000)]
    [InlineData(96000)]
    [InlineData(7919)] // a prime: 16000 phases, more than the exact table holds, so rows are interpolated
    public void ChunkedStream_EqualsWholeSignal_BitForBit(int rate)
    {
        foreach (var seconds in new[] { 0.0, 1.0 / rate, 5.0 / rate, 0.05, 3.7 })
        {
            var signal = TestWav.Voiced(seconds, rate, seed: rate % 97);
            var whole = Resampler.Resample(signal, rate, 16000);
            for (var seed = 0; seed < 4; seed++)
            {
                var rng = new Random(seed * 1000 + rate);
                var resampler = new StreamingResampler(rate, 16000);
                var streamed = new List<float>();
                var at = 0;
                foreach (var size in RandomChunks(rng, signal.Length, rate))
                {
                    resampler.Push(signal.AsSpan(at, size), streamed);
                    at += size;
                }
                resampler.Complete(streamed);
                Assert.Equal(whole.Length, streamed.Count);
                for (var i = 0; i < whole.Length; i++)
                {
                    if (BitConverter.SingleToInt32Bits(whole[i]) != BitConverter.SingleToInt32Bits(streamed[i]))
                    {
                        Assert.Fail(
                            $"{rate} Hz, {seconds} s, chunking {seed}: sample {i} is {streamed[i]}, whole-signal {whole[i]}"
                        );
                    }
                }
            }
        }
    }

    [Fact]
    public void OneSampleAtATime_EqualsWholeSignal_AndOutputsArriveBeforeTheEnd()
    {
        var signal = TestWav.Voiced(0.5, 44100, seed: 3);
        var whole = Resampler.Resample(signal, 44100, 16000);
        var resampler = new StreamingResampler(44100, 16000);
        var streamed = new List<float>();
        foreach (var x in signal)
            resampler.Push([x], streamed);
        // Latency is half the filter: all but the last few ms are out before Complete.
        Assert.True(streamed.Count > whole.Length - 16000 * 0.02, $"{streamed.Count} of {whole.Length} before the end");
        resampler.Complete(streamed);
        Assert.Equal(whole, streamed.ToArray());
    }
}
