using System.Globalization;
using System.Text.Json.Nodes;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Util;
using Google.Protobuf;
using Onnx;
using Keys = Emolingua.Inference.OnnxModelFormat.Keys;

namespace Emolingua.Models.Onnx;

/// <summary>Precision of the exported encoder's matrix products.</summary>
public enum OnnxQuantization
{
    /// <summary>float32 throughout.</summary>
    None,

    /// <summary>Dynamic int8 (<see cref="Int8Linear"/>) for every Linear of the encoder; log-mel, convolutions,
    /// attention scores and head in float32.</summary>
    Int8,
}

/// <summary>
/// Writes an Emolingua model as one self-describing ONNX graph (opset 17): 16 kHz mono waveform float32
/// [batch, S·16000] → <c>probabilities</c> [batch, classes] and <c>embedding</c> [batch, d_model], the Whisper log-mel
/// inside, so a client needs nothing but an ONNX runtime. The graph is written from the model folder's state dict
/// (TorchSharp has no ONNX exporter); labels, window and provenance travel in the model's metadata_props.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 17;
    public const long IrVersion = 8; // the IR version that goes with opset 17 (ONNX 1.12)
    public const string Waveform = OnnxModelFormat.Waveform,
        Probabilities = OnnxModelFormat.Probabilities,
        Embedding = OnnxModelFormat.Embedding;
    public const string Mel = "mel",
        Hidden = "hidden";

    /// <summary>Exports the model of a run folder (or a model folder) to <paramref name="outPath"/>, written
    /// atomically.</summary>
    public static void Export(string modelPath, string outPath, OnnxQuantization quantization = OnnxQuantization.None)
    {
        var model = EmotionModel(ModelBundle.Locate(modelPath), quantization);
        try
        {
            AtomicFile.Write(outPath, stream => model.WriteTo(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EmolinguaException(outPath, $"cannot write the ONNX file ({e.Message})");
        }
    }

    /// <summary>The ONNX model of a model folder (config.json, model.safetensors, labels.json).</summary>
    public static ModelProto EmotionModel(string modelFolder, OnnxQuantization quantization = OnnxQuantization.None)
    {
        var info = ModelBundle.ReadInfo(modelFolder);
        var weights = SafeTensors.Open(Path.Combine(modelFolder, "model.safetensors"));
        (float[], long[]) Read(string name) =>
            weights.Entries.TryGetValue(name, out var e)
                ? (weights.ReadFloat32(name), e.Shape)
                : throw new EmolinguaException(weights.Path, $"missing tensor '{name}'");

        var c = info.Whisper;
        int samples = WhisperAudio.SamplesFor(info.Seconds),
            positions = WhisperAudio.PositionsFor(info.Seconds);
        var g = new OnnxGraphBuilder();
        var parts = new WhisperOnnxGraph(g, Wrap(Read, weights.Path), quantization == OnnxQuantization.Int8);
        var mel = parts.LogMel(Waveform, samples, c.NumMelBins);
        var rows = parts.Encoder(mel, c, positions, "encoder.");
        var (embedding, probabilities) = parts.Head(
            rows,
            positions,
            c.DModel,
            info.HeadHidden,
            info.Labels.Length,
            "head.",
            info.Temperature
        );
        g.Rename(probabilities, Probabilities);
        g.Rename(embedding, Embedding);
        g.Graph.Name = "emolingua";
        g.Graph.Input.Add(OnnxGraphBuilder.FloatValue(Waveform, "batch", samples));
        g.Graph.Output.Add(OnnxGraphBuilder.FloatValue(Probabilities, "batch", info.Labels.Length));
        g.Graph.Output.Add(OnnxGraphBuilder.FloatValue(Embedding, "batch", c.DModel));

        var model = NewModel(
            g,
            $"Emolingua speech emotion model ({info.Method}): 16 kHz mono waveform [batch, {samples}] → probabilities over {string.Join(", ", info.Labels)} and the time-mean encoder embedding."
        );
        foreach (var (key, value) in Metadata(info, modelFolder, quantization))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>
    /// The encoder alone, for benchmarks beside TorchSharp's forward: log-mel <c>mel</c> [batch, n_mels, 2P] →
    /// <c>hidden</c> [batch, P, d_model]. <paramref name="weights"/> reads the encoder's state dict (conv1.weight,
    /// ...).
    /// </summary>
    public static ModelProto EncoderModel(
        WhisperConfig config,
        int positions,
        WeightSource weights,
        OnnxQuantization quantization = OnnxQuantization.None
    )
    {
        var g = new OnnxGraphBuilder();
        var parts = new WhisperOnnxGraph(g, weights, quantization == OnnxQuantization.Int8);
        var rows = parts.Encoder(Mel, config, positions, "");
        g.Scope = "";
        g.Op("Reshape", [rows, g.Int64("sequence", -1, positions, config.DModel)]);
        g.Rename(g.Graph.Node[^1].Output[0], Hidden);
        g.Graph.Name = "whisper-encoder";
        g.Graph.Input.Add(OnnxGraphBuilder.FloatValue(Mel, "batch", config.NumMelBins, 2 * positions));
        g.Graph.Output.Add(OnnxGraphBuilder.FloatValue(Hidden, "batch", positions, config.DModel));
        return NewModel(g, "Whisper encoder");
    }

    private static ModelProto NewModel(OnnxGraphBuilder g, string doc)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "emolingua",
            ProducerVersion = VersionInfo.Version,
            Graph = g.Graph,
            DocString = doc,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        long size = model.CalculateSize();
        if (size >= int.MaxValue)
        {
            throw new EmolinguaException(
                $"export: the model needs {size / 1e9:0.0} GB, over protobuf's 2 GB limit for one ONNX file"
            );
        }

        return model;
    }

    private static WeightSource Wrap(Func<string, (float[], long[])> read, string source) =>
        name =>
        {
            try
            {
                return read(name);
            }
            catch (ArgumentException e)
            {
                throw new EmolinguaException(source, e.Message);
            }
        };

    /// <summary>The metadata_props of an exported model, in a fixed order.</summary>
    public static List<(string Key, string Value)> Metadata(
        ModelBundle.Info info,
        string modelFolder,
        OnnxQuantization quantization
    )
    {
        string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var samples = WhisperAudio.SamplesFor(info.Seconds);
        var (recipe, seed) = Provenance(info, modelFolder);
        var labels = Json.Text(new JsonArray(info.Labels.Select(l => (JsonNode)l).ToArray()), indented: false);
        return
        [
            (Keys.Format, ModelBundle.Format),
            (Keys.Labels, labels),
            (Keys.SampleRate, WhisperAudio.SampleRate.ToString(CultureInfo.InvariantCulture)),
            (Keys.WindowSeconds, Number(info.Seconds)),
            (Keys.NMels, info.Whisper.NumMelBins.ToString(CultureInfo.InvariantCulture)),
            (Keys.Method, info.Method),
            (Keys.Version, VersionInfo.Version),
            (Keys.Recipe, recipe ?? ""),
            (Keys.Seed, seed ?? ""),
            (Keys.Quantization, quantization == OnnxQuantization.Int8 ? "int8" : "none"),
            (Keys.Temperature, Number(info.Temperature)), // already applied inside the graph; recorded for readers
            (
                Keys.Usage,
                $"Input '{Waveform}': 16 kHz mono float32 [batch, {samples}], one {Number(info.Seconds)} s window (zero-pad shorter audio at the end). "
                    + $"Longer audio: {Number(info.Seconds)} s windows every {Number(info.Seconds / 2)} s (50 % overlap), the last one ending at the clip's end; "
                    + $"average the windows' '{Probabilities}' (labels in the order of '{Keys.Labels}')."
            ),
        ];
    }

    /// <summary>The training recipe's name and seed: from the model's config.json, else from the run's recipe.json
    /// beside model/.</summary>
    private static (string? Recipe, string? Seed) Provenance(ModelBundle.Info info, string modelFolder)
    {
        string? recipe = info.Provenance?["recipe"]?.ToString(),
            seed = info.Provenance?["seed"]?.ToString();
        var runRecipe = Path.Combine(
            Path.GetDirectoryName(Path.GetFullPath(modelFolder).TrimEnd(Path.DirectorySeparatorChar)) ?? "",
            "recipe.json"
        );
        if ((recipe == null || seed == null) && File.Exists(runRecipe))
        {
            try
            {
                var node = JsonNode.Parse(File.ReadAllText(runRecipe));
                recipe ??= node?["name"]?.ToString();
                seed ??= node?["seed"]?.ToString();
            }
            // provenance is informative; a damaged recipe.json does not stop an export
            catch (System.Text.Json.JsonException) { }
        }
        return (recipe, seed);
    }
}
