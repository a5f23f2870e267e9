using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>
/// An engine returned a NaN or infinite probability or embedding for some input. The samples are checked on the way
/// in (finite, within <see cref="Audio.SampleRange"/>), so this is the last line of defence: whatever else makes a
/// model overflow, no non-finite number leaves an engine to be printed, written or served.
/// </summary>
public sealed class NonFiniteOutputException(string problem, float value) : EmolinguaException(problem)
{
    /// <summary>The problem without a file name, for callers that add the one they read.</summary>
    public string Problem { get; } = problem;

    /// <summary>The first non-finite number found (NaN, +infinity or -infinity).</summary>
    public float Value { get; } = value;
}

/// <summary>Checks what an <see cref="IEmotionEngine"/> returns before it leaves the engine.</summary>
internal static class EngineOutput
{
    /// <summary>The same outputs, or <see cref="NonFiniteOutputException"/> naming the engine, the window and the
    /// value.</summary>
    public static (float[][] Probabilities, float[][]? Embeddings) Checked(
        (float[][] Probabilities, float[][]? Embeddings) outputs,
        string engine
    )
    {
        Check(outputs.Probabilities, engine, "probability");
        if (outputs.Embeddings != null)
            Check(outputs.Embeddings, engine, "embedding value");
        return outputs;
    }

    private static void Check(float[][] rows, string engine, string what)
    {
        for (var w = 0; w < rows.Length; w++)
        {
            var at = Finite.FirstNonFinite(rows[w]);
            if (at >= 0)
            {
                throw new NonFiniteOutputException(
                    $"the model ({engine} engine) gives {what} {at} of window {w} as {Finite.Name(rows[w][at])}: this audio is outside what the model can read",
                    rows[w][at]
                );
            }
        }
    }
}
