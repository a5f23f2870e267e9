using System.Buffers.Binary;
using System.Text;
using Emolingua.Audio;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Util;

namespace Emolingua.Tests.Edge;

/// <summary>
/// Files whose headers claim far more than they hold are refused before anything of the claimed size is allocated.
/// Allocation is counted by the GC for this thread (every reader here runs synchronously on it), so a reader that
/// allocated the claimed gigabytes, or even a megabyte more than the file, fails the test even if the machine has them.
/// </summary>
public class AllocationBombTests
{
    private static string Seed(string target, string name) =>
        Path.Combine(AppContext.BaseDirectory, "fuzz", "seeds", target, name);

    /// <summary>Runs <paramref name="read"/>, which must throw the documented error, and returns the bytes it
    /// allocated.</summary>
    private static long RefusedAllocating(Action read, params string[] mentions)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsAny<EmolinguaException>(read);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        foreach (var m in mentions)
            Assert.Contains(m, e.Message);
        return allocated;
    }

    [Fact]
    public void Wav_declaring_4_GB_in_1_KB_is_refused_before_allocating()
    {
        using var dir = new TempDir();
        var path = dir.File("bomb.wav");
        var wav = File.ReadAllBytes(Seed("wav", "pcm16.wav"))[..1024];
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), 0xFFFFFFF0); // data chunk size: 4 GB minus 16
        File.WriteAllBytes(path, wav);
        var allocated = RefusedAllocating(() => AudioFile.Read(path), "declares 4294967280 bytes");
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes refusing a 1 KB file");
        RefusedAllocating(() => AudioFile.Probe(path), "4294967280");
    }

    [Fact]
    public void Safetensors_shape_of_2_to_the_40_elements_is_refused_before_allocating()
    {
        using var dir = new TempDir();
        foreach (
            var (name, shape, offsets, mention) in new[]
            {
                // 2^40 F32 elements in 24 bytes
                ("claims.safetensors", "[1048576, 1048576]", "[0, 24]", "needs 4398046511104"),
                (
                    "huge-offsets.safetensors",
                    "[1048576, 1048576]",
                    "[0, 4398046511104]",
                    "ends at data byte 4398046511104"
                ), // offsets that agree, past the file
                // a product that wraps to 0
                ("overflow.safetensors", "[4294967296, 4294967296, 4]", "[0, 0]", "more elements than any file holds"),
            }
        )
        {
            var header = Encoding.UTF8.GetBytes(
                $"{{\"w\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":{offsets}}}}}"
            );
            var file = new byte[8 + header.Length + 24];
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
            header.CopyTo(file, 8);
            var path = dir.File(name);
            File.WriteAllBytes(path, file);
            var allocated = RefusedAllocating(() => SafeTensors.Open(path), mention);
            Assert.True(allocated < 1 << 20, $"{name}: allocated {allocated} bytes");
        }
    }

    [Fact]
    public void Mp3_whose_Xing_header_claims_2_to_the_31_frames_is_refused_before_allocating()
    {
        using var dir = new TempDir();
        var mp3 = File.ReadAllBytes(Seed("mp3", "vbr44k.mp3"));
        var tag = mp3.AsSpan().IndexOf("Xing"u8);
        if (tag < 0)
            tag = mp3.AsSpan().IndexOf("Info"u8);
        Assert.True(tag > 0, "the seed has a Xing/Info header");
        // its frame count field is present
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(mp3.AsSpan(tag + 4)) & 1);
        BinaryPrimitives.WriteUInt32BigEndian(mp3.AsSpan(tag + 8), 0x80000000);
        var path = dir.File("bomb.mp3");
        File.WriteAllBytes(path, mp3);
        var allocated = RefusedAllocating(() => AudioFile.Read(path), "truncated MP3", "2147483647 frames");
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes refusing a {mp3.Length}-byte file");
        // The header's duration (what the service checks before decoding) is the claimed one, so serve answers 413
        // unread.
        Assert.True(AudioFile.Probe(path).DurationSeconds > 1e7);
    }

    [Theory]
    [InlineData("list.txt")]
    [InlineData("manifest.csv")]
    [InlineData("manifest.jsonl")]
    public void Manifest_line_of_100_MB_is_refused_before_reading_it(string name)
    {
        using var dir = new TempDir();
        var path = dir.File(name);
        using (var file = File.Create(path))
        {
            file.Write(name.EndsWith(".csv") ? "path,label\n"u8 : "a.wav\n"u8);
            file.Write("b"u8);
            file.SetLength(file.Length + 100_000_000); // a sparse 100 MB second line: no disk, no newline
        }
        var allocated = RefusedAllocating(() => PredictionInputs.Expand([path]), "line 2 is longer than 1 MB");
        Assert.True(allocated < 2 << 20, $"allocated {allocated} bytes refusing a 100 MB line");
    }

    [Fact]
    public void Lines_at_the_limit_still_read()
    {
        using var dir = new TempDir();
        var path = dir.File("list.txt");
        File.WriteAllText(path, "a.wav\n" + new string('x', LineLimit.MaxLineBytes - 5) + ".wav\r\nc.wav");
        Assert.Equal(3, PredictionInputs.Expand([path]).Count); // a line of exactly 1 MB (with its \r) is allowed
        File.WriteAllText(path, "a.wav\n" + new string('x', LineLimit.MaxLineBytes) + ".wav\n");
        Assert.Throws<EmolinguaException>(() => PredictionInputs.Expand([path]));
    }
}
