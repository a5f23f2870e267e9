using Emolingua.Util;
using Microsoft.ML.OnnxRuntime;

namespace Emolingua.Inference;

/// <summary>An ONNX file's metadata_props, read defensively.</summary>
internal static class OnnxMetadata
{
    /// <summary>
    /// ONNX Runtime's managed ModelMetadata throws NullReferenceException on a model whose native metadata strings are
    /// absent (found by fuzzing: a valid graph with a mutated header). Such a file is not an Emolingua model: say so.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(InferenceSession session, string source)
    {
        try
        {
            return session.ModelMetadata.CustomMetadataMap;
        }
        catch (Exception e) when (e is NullReferenceException or OnnxRuntimeException)
        {
            throw new EmolinguaException(
                source,
                "not an Emolingua model: ONNX Runtime cannot read its metadata (export one with ./emolingua export)"
            );
        }
    }
}
