using NLayer;

namespace Emolingua.Audio;

/// <summary>
/// Works around a bug in NLayer 3.0.1's layer III decoder: its table mapping each short-block coefficient to its
/// window (<c>_cbwLookupS</c>) covers only 12 of the 13 scale-factor bands, so the top band (above about 15 kHz
/// at 44.1 kHz) always takes window 0's subblock gain. LAME VBR files use differing subblock gains, and there
/// NLayer's output departed from ffmpeg and libmad by up to 0.05. The table is built on the first decoded frame;
/// we then complete it and reset the decoder. NLayer has no public way to reach the table (and no release fixes it), so
/// the fix reads and writes its private fields by reflection; if NLayer's internals ever change shape, we leave it
/// alone (Mp3Tests compare the decoded samples with ffmpeg's, so a silent miss shows there).
/// </summary>
internal static class NLayerShortBlockFix
{
    private const System.Reflection.BindingFlags Private =
        System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
    private static readonly System.Reflection.FieldInfo? Layer3Field = typeof(MpegFrameDecoder).GetField(
        "_layerIIIDecoder",
        Private
    );

    /// <summary>Decodes <paramref name="firstFrame"/> so NLayer builds its tables, completes the window table, and
    /// resets the decoder.</summary>
    public static bool Apply(MpegFrameDecoder decoder, IMpegFrame firstFrame, float[] scratch)
    {
        try
        {
            decoder.DecodeFrame(firstFrame, scratch, 0);
        }
        catch (Exception e)
            when (e is InvalidDataException or EndOfStreamException or IndexOutOfRangeException or ArgumentException)
        { }
        var patched = Patch(decoder);
        decoder.Reset();
        return patched;
    }

    private static bool Patch(MpegFrameDecoder decoder)
    {
        var layer3 = Layer3Field?.GetValue(decoder);
        if (layer3 == null)
            return false;
        var type = layer3.GetType();
        if (
            type.GetField("_sfBandIndexS", Private)?.GetValue(layer3) is not int[] bandStarts
            || type.GetField("_cbwLookupS", Private)?.GetValue(layer3) is not byte[] windowOf
            || bandStarts.Length < 14
            || windowOf.Length < 3 * bandStarts[13]
        )
        {
            return false;
        }
        // Coefficients of short blocks come band by band, and within a band window 0, 1, 2 in turn.
        var index = 0;
        for (var band = 0; band < 13; band++)
        {
            var width = bandStarts[band + 1] - bandStarts[band];
            for (var window = 0; window < 3; window++)
            {
                for (var k = 0; k < width; k++)
                    windowOf[index++] = (byte)window;
            }
        }
        return true;
    }
}
