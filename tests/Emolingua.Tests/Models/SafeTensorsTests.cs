using System.Text;
using Emolingua.Models;
using Emolingua.Util;

namespace Emolingua.Tests.Models;

public class SafeTensorsTests
{
    /// <summary>Builds a safetensors file by hand: 8-byte length, JSON header, raw data.</summary>
    internal static void WriteRaw(string path, string headerJson, byte[] data, ulong? headerLengthOverride = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        using var w = new BinaryWriter(File.Create(path));
        w.Write(headerLengthOverride ?? (ulong)header.Length);
        w.Write(header);
        w.Write(data);
    }

    [Fact]
    public void ConvertsF16AndBf16ToFloat32()
    {
        using var dir = new TempDir();
        // F16: 1.5 = 0x3E00, -2.0 = 0xC000; BF16: 3.140625 = 0x4049, -0.5 = 0xBF00 (little-endian bytes below).
        byte[] data = { 0x00, 0x3E, 0x00, 0xC0, 0x49, 0x40, 0x00, 0xBF };
        WriteRaw(
            dir.File("m.safetensors"),
            """{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},"__metadata__":{"format":"pt"}}""",
            data
        );
        var st = SafeTensors.Open(dir.File("m.safetensors"));
        Assert.Equal(new[] { 1.5f, -2.0f }, st.ReadFloat32("a"));
        Assert.Equal(new[] { 3.140625f, -0.5f }, st.ReadFloat32("b"));
        Assert.Equal("pt", st.Metadata["format"]);
    }

    [Fact]
    public void WriterOutputReadsBackAndPadsHeaderToEightBytes()
    {
        using var dir = new TempDir();
        var tensors = new Dictionary<string, (float[], long[])>
        {
            ["w"] = (new[] { 1f, 2f, 3f, 4f, 5f, 6f }, new long[] { 2, 3 }),
            ["b"] = (new[] { -1f }, new long[] { 1 }),
        };
        SafeTensors.WriteFloat32(dir.File("x.safetensors"), tensors);
        var bytes = File.ReadAllBytes(dir.File("x.safetensors"));
        Assert.Equal(0UL, BitConverter.ToUInt64(bytes, 0) % 8);
        var st = SafeTensors.Open(dir.File("x.safetensors"));
        Assert.Equal(new long[] { 2, 3 }, st.Entries["w"].Shape);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, st.ReadFloat32("w"));
        Assert.Equal(new[] { -1f }, st.ReadFloat32("b"));
    }

    public static TheoryData<string, string, int, ulong?, string> HostileFiles() =>
        new()
        {
            { "absurd header length", "{}", 0, 1UL << 40, "header length" },
            {
                "offsets past the buffer",
                """{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""",
                8,
                null,
                "'t'"
            },
            {
                "overlap",
                """{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
                12,
                null,
                "overlap"
            },
            { "gap", """{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, null, "gap" },
            {
                "size disagrees with shape",
                """{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""",
                8,
                null,
                "'t'"
            },
            {
                "unknown dtype",
                """{"t":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""",
                8,
                null,
                "unknown dtype 'Q4'"
            },
            { "not JSON", "{not json", 0, null, "not JSON" },
            { "negative offsets", """{"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", 4, null, "'t'" },
        };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void RejectsHostileHeadersNamingFileAndProblem(
        string what,
        string header,
        int dataBytes,
        ulong? lengthOverride,
        string expectedText
    )
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        WriteRaw(path, header, new byte[dataBytes], lengthOverride);
        var e = Assert.Throws<EmolinguaException>(() => SafeTensors.Open(path));
        Assert.Contains("bad.safetensors", e.Message);
        Assert.True(e.Message.Contains(expectedText), $"{what}: message '{e.Message}' lacks '{expectedText}'");
    }

    [Fact]
    public void TruncatedFileIsReported()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("t.safetensors"), new byte[] { 1, 2, 3 });
        var e = Assert.Throws<EmolinguaException>(() => SafeTensors.Open(dir.File("t.safetensors")));
        Assert.Contains("truncated", e.Message);
    }
}
