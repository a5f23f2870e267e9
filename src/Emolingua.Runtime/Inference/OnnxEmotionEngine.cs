using System.Globalization;
using System.Text.Json;
using Emolingua.Features;
using Emolingua.Util;
using Microsoft.ML.OnnxRuntime;

namespace Emolingua.Inference;

/// <summary>
/// An exported model (Emolingua's <c>export</c>, <see cref="OnnxModelFormat"/>) run by ONNX Runtime on the CPU:
/// waveform windows in, probabilities and embeddings out, with labels, window length and method read from the file's
/// metadata_props.
/// </summary>
public sealed class OnnxEmotionEngine : IEmotionEngine
{
    private readonly InferenceSession _session;
    private readonly int _samples,
        _dim;
    private float[] _input = [];

    /// <summary>The sentence a load gives when the application carries no native ONNX Runtime.</summary>
    public const string MissingNativeRuntime =
        "ONNX Runtime's native library is not in this application: add the package Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu (CUDA)";

    /// <summary>"onnx".</summary>
    public string Name => "onnx";

    /// <summary>The window length S (metadata "window_seconds").</summary>
    public double Seconds { get; }

    /// <summary>The training method (metadata "method"; "unknown" without it).</summary>
    public string Method { get; }

    /// <summary>Class names in output order (metadata "labels").</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Windows per ONNX Runtime call.</summary>
    public int BatchSize { get; }

    /// <summary>The calibration temperature the export divided the logits by (metadata "temperature"; 1 in files
    /// without it).</summary>
    public double Temperature { get; }

    /// <summary>The file's metadata_props.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private OnnxEmotionEngine(InferenceSession session, string source, int batchSize)
    {
        _session = session;
        BatchSize = batchSize;
        try
        {
            Metadata = OnnxMetadata.Read(session, source);
            string Get(string key) =>
                Metadata.TryGetValue(key, out var v) && v.Length > 0
                    ? v
                    : throw new EmolinguaException(
                        source,
                        $"not an Emolingua model: metadata '{key}' is missing (export one with ./emolingua export)"
                    );
            Labels = ParseLabels(Get(OnnxModelFormat.Keys.Labels), source);
            Seconds =
                double.TryParse(
                    Get(OnnxModelFormat.Keys.WindowSeconds),
                    NumberStyles.Float,
                    CultureInfo.InvariantCulture,
                    out var s
                )
                && s > 0
                    ? s
                    : throw new EmolinguaException(
                        source,
                        $"metadata '{OnnxModelFormat.Keys.WindowSeconds}' is not a positive number"
                    );
            if (Get(OnnxModelFormat.Keys.SampleRate) != WhisperAudio.SampleRate.ToString(CultureInfo.InvariantCulture))
            {
                throw new EmolinguaException(
                    source,
                    $"metadata '{OnnxModelFormat.Keys.SampleRate}' is {Metadata[OnnxModelFormat.Keys.SampleRate]}, expected {WhisperAudio.SampleRate}"
                );
            }

            Method = Metadata.TryGetValue(OnnxModelFormat.Keys.Method, out var m) ? m : "unknown";
            Temperature =
                !Metadata.TryGetValue(OnnxModelFormat.Keys.Temperature, out var t) ? 1
                : double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var tv)
                && tv > 0
                && double.IsFinite(tv)
                    ? tv
                : throw new EmolinguaException(
                    source,
                    $"metadata '{OnnxModelFormat.Keys.Temperature}' is not a positive number"
                );
            _samples = WhisperAudio.SamplesFor(Seconds);
            var input = session.InputMetadata.TryGetValue(OnnxModelFormat.Waveform, out var i)
                ? i
                : throw new EmolinguaException(
                    source,
                    $"not an Emolingua model: no input '{OnnxModelFormat.Waveform}'"
                );
            if (input.Dimensions.Length != 2 || input.Dimensions[1] != _samples)
            {
                throw new EmolinguaException(
                    source,
                    $"input '{OnnxModelFormat.Waveform}' has shape [{string.Join(", ", input.Dimensions)}], expected [batch, {_samples}]"
                );
            }

            if (
                !session.OutputMetadata.ContainsKey(OnnxModelFormat.Probabilities)
                || !session.OutputMetadata.TryGetValue(OnnxModelFormat.Embedding, out var e)
            )
            {
                throw new EmolinguaException(
                    source,
                    $"not an Emolingua model: outputs '{OnnxModelFormat.Probabilities}' and '{OnnxModelFormat.Embedding}' expected"
                );
            }

            _dim = e.Dimensions[^1];
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static string[] ParseLabels(string json, string source)
    {
        try
        {
            var labels = JsonSerializer.Deserialize<string[]>(json);
            if (labels is { Length: > 0 } && labels.All(l => !string.IsNullOrEmpty(l)))
                return labels;
        }
        catch (JsonException) { }
        throw new EmolinguaException(
            source,
            $"metadata '{OnnxModelFormat.Keys.Labels}' is not a JSON list of names: {json}"
        );
    }

    /// <summary>Opens an exported .onnx file.</summary>
    public static OnnxEmotionEngine Load(string path, int batchSize = 16, int? threads = null)
    {
        if (!File.Exists(path))
            throw new EmolinguaException(path, "ONNX file not found");
        return Open(() => OnnxSessions.Open(path, threads), path, batchSize);
    }

    /// <summary>Opens an in-memory model (<paramref name="source"/> names it in errors).</summary>
    public static OnnxEmotionEngine FromBytes(byte[] model, string source, int batchSize = 16, int? threads = null) =>
        Open(() => OnnxSessions.Open(model, threads), source, batchSize);

    private static OnnxEmotionEngine Open(Func<InferenceSession> open, string source, int batchSize)
    {
        InferenceSession session;
        try
        {
            session = open();
        }
        catch (OnnxRuntimeException e)
        {
            throw new EmolinguaException(
                source,
                $"not a valid ONNX model ({e.Message.ReplaceLineEndings(" ").Trim()})"
            );
        }
        catch (Exception e) when (IsMissingNativeRuntime(e))
        {
            // Emolingua.Runtime carries ONNX Runtime's managed API only; the application chooses the native runtime.
            throw new EmolinguaException(source, MissingNativeRuntime, e);
        }
        return new OnnxEmotionEngine(session, source, batchSize);
    }

    /// <inheritdoc/>
    public (float[][] Probabilities, float[][]? Embeddings) Classify(
        IReadOnlyList<float[]> windows,
        bool embeddings = false
    )
    {
        var classes = Labels.Count;
        var probabilities = new float[windows.Count][];
        var pooled = embeddings ? new float[windows.Count][] : null;
        string[] outputs = embeddings
            ? [OnnxModelFormat.Probabilities, OnnxModelFormat.Embedding]
            : [OnnxModelFormat.Probabilities];
        using var runOptions = new RunOptions();
        // One input buffer for every batch of every call (the engine is not thread-safe anyway): a new one per batch
        // was garbage as large as the windows themselves, and a clip's windows arrive a chunk per call.
        var needed = Math.Min(BatchSize, windows.Count) * _samples;
        if (_input.Length < needed)
            _input = new float[needed];
        var flat = _input; // [batch, S·16000]
        for (var start = 0; start < windows.Count; start += BatchSize)
        {
            var b = Math.Min(BatchSize, windows.Count - start);
            AudioWindows.StackInto(windows, start, b, _samples, flat); // [b, S·16000]
            using var input = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance,
                flat.AsMemory(0, b * _samples),
                [b, _samples]
            );
            using var results = _session.Run(runOptions, [OnnxModelFormat.Waveform], [input], outputs);
            var probs = results[0].GetTensorDataAsSpan<float>(); // [b, classes]
            for (var i = 0; i < b; i++)
                probabilities[start + i] = probs.Slice(i * classes, classes).ToArray();
            if (pooled != null)
            {
                var emb = results[1].GetTensorDataAsSpan<float>(); // [b, D]
                for (var i = 0; i < b; i++)
                    pooled[start + i] = emb.Slice(i * _dim, _dim).ToArray();
            }
        }
        return EngineOutput.Checked((probabilities, pooled), Name);
    }

    /// <summary>Frees the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>ONNX Runtime's native library is absent (directly, or when its type initializer ran).</summary>
    private static bool IsMissingNativeRuntime(Exception e) =>
        (e is TypeInitializationException { InnerException: { } inner } ? inner : e)
            is DllNotFoundException
                or EntryPointNotFoundException;
}
