using Microsoft.ML.OnnxRuntime;

namespace Emolingua.Inference;

/// <summary>How Emolingua opens ONNX Runtime sessions (CPU): one place for the options the engine and the benchmark
/// share.</summary>
public static class OnnxSessions
{
    /// <summary>
    /// All graph optimisations (ORT fuses GELU, LayerNorm, the dynamic-quantization chains and MatMul transposes),
    /// <paramref name="threads"/> intra-op threads (default: one per core), one inter-op thread (the graph is a chain),
    /// memory arena and memory patterns on (the same shapes come back every batch).
    /// </summary>
    public static SessionOptions Options(int? threads = null)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads ?? Environment.ProcessorCount,
            InterOpNumThreads = 1,
            EnableCpuMemArena = true,
            EnableMemoryPattern = true,
        };
        return options;
    }

    /// <summary>A session on an in-memory model.</summary>
    public static InferenceSession Open(byte[] model, int? threads = null)
    {
        using var options = Options(threads);
        return new InferenceSession(model, options);
    }

    /// <summary>A session on a model file (read by ONNX Runtime itself: no managed copy of the weights).</summary>
    public static InferenceSession Open(string path, int? threads = null)
    {
        using var options = Options(threads);
        return new InferenceSession(path, options);
    }
}
