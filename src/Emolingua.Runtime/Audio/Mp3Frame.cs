using System.Buffers.Binary;
using Emolingua.Util;
using NLayer;

namespace Emolingua.Audio;

/// <summary>A parsed 4-byte MPEG audio frame header.</summary>
internal readonly record struct Mp3FrameHeader(
    uint Bits,
    MpegVersion Version,
    MpegLayer Layer,
    int BitRate,
    int SampleRate,
    int FrameLength,
    int SamplesPerFrame
)
{
    private static readonly int[,] BitRatesKbps =
    {
        { 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448 }, // MPEG-1 layer I
        { 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384 }, // MPEG-1 layer II
        { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320 }, // MPEG-1 layer III
        { 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256 }, // MPEG-2/2.5 layer I
        { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 }, // MPEG-2/2.5 layers II, III
    };

    private static readonly int[] SampleRates = [44100, 48000, 32000];

    public bool IsMpeg1 => Version == MpegVersion.Version1;
    public MpegChannelMode ChannelMode => (MpegChannelMode)((Bits >> 6) & 3);
    public int Channels => ChannelMode == MpegChannelMode.Mono ? 1 : 2;
    public bool HasCrc => (Bits & 0x10000) == 0;

    /// <summary>Frames of one stream share version, layer and sample rate; anything else is a false sync.</summary>
    public bool IsCompatibleWith(Mp3FrameHeader other) =>
        Version == other.Version && Layer == other.Layer && SampleRate == other.SampleRate;

    /// <summary>The header at the start of <paramref name="bytes"/>, or null when it is not a valid one (free-format
    /// frames included).</summary>
    public static Mp3FrameHeader? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4)
            return null;
        var bits = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if ((bits & 0xFFE00000) != 0xFFE00000)
            return null;
        var version = ((bits >> 19) & 3) switch
        {
            0 => MpegVersion.Version25,
            2 => MpegVersion.Version2,
            3 => MpegVersion.Version1,
            _ => MpegVersion.Unknown,
        };
        var layer = ((bits >> 17) & 3) switch
        {
            1 => MpegLayer.LayerIII,
            2 => MpegLayer.LayerII,
            3 => MpegLayer.LayerI,
            _ => MpegLayer.Unknown,
        };
        int bitRateIndex = (int)(bits >> 12) & 0xF,
            rateIndex = (int)(bits >> 10) & 3;
        if (version == MpegVersion.Unknown || layer == MpegLayer.Unknown || bitRateIndex is 0 or 15 || rateIndex == 3)
            return null;

        var row = version == MpegVersion.Version1 ? (int)layer - 1 : (layer == MpegLayer.LayerI ? 3 : 4);
        var bitRate = BitRatesKbps[row, bitRateIndex] * 1000;
        var sampleRate =
            SampleRates[rateIndex]
            >> (
                version switch
                {
                    MpegVersion.Version1 => 0,
                    MpegVersion.Version2 => 1,
                    _ => 2,
                }
            );
        var padding = (int)(bits >> 9) & 1;
        var samplesPerFrame = layer switch
        {
            MpegLayer.LayerI => 384,
            MpegLayer.LayerII => 1152,
            _ => version == MpegVersion.Version1 ? 1152 : 576,
        };
        var frameLength =
            layer == MpegLayer.LayerI
                ? (12 * bitRate / sampleRate + padding) * 4
                : samplesPerFrame / 8 * bitRate / sampleRate + padding;
        return new Mp3FrameHeader(bits, version, layer, bitRate, sampleRate, frameLength, samplesPerFrame);
    }
}

/// <summary>One frame's bytes as NLayer's decoder wants to read them (bit reader starts after header and
/// CRC).</summary>
internal sealed class Mp3Frame(byte[] data, int offset, Mp3FrameHeader header) : IMpegFrame
{
    private int _readOffset,
        _bitsInBucket;
    private ulong _bucket;

    public int SampleRate => header.SampleRate;
    public int SampleRateIndex => (int)(header.Bits >> 10) & 3;
    public int FrameLength => header.FrameLength;
    public int BitRate => header.BitRate;
    public MpegVersion Version => header.Version;
    public MpegLayer Layer => header.Layer;
    public MpegChannelMode ChannelMode => header.ChannelMode;
    public int ChannelModeExtension => (int)(header.Bits >> 4) & 3;
    public int SampleCount => header.SamplesPerFrame;
    public int BitRateIndex => (int)(header.Bits >> 12) & 0xF;
    public bool IsCopyrighted => (header.Bits & 8) != 0;
    public bool HasCrc => header.HasCrc;
    public bool IsCorrupted => false;

    public void Reset()
    {
        _readOffset = 4 + (HasCrc ? 2 : 0);
        _bucket = 0;
        _bitsInBucket = 0;
    }

    public int ReadBits(int bitCount)
    {
        if (bitCount < 1 || bitCount > 32)
            throw new ArgumentOutOfRangeException(nameof(bitCount));
        while (_bitsInBucket < bitCount)
        {
            if (_readOffset >= header.FrameLength)
                throw new EndOfStreamException();
            _bucket = _bucket << 8 | data[offset + _readOffset++];
            _bitsInBucket += 8;
        }
        var value = (int)((_bucket >> (_bitsInBucket - bitCount)) & ((1UL << bitCount) - 1));
        _bitsInBucket -= bitCount;
        return value;
    }
}
