using System.Text.Json;
using System.Text.Json.Nodes;
using Emolingua.Util;

namespace Emolingua.Models;

/// <summary>The encoder half of a Hugging Face WhisperConfig (config.json names), spec §2.3.</summary>
public sealed record WhisperConfig(
    int DModel,
    int EncoderLayers,
    int EncoderAttentionHeads,
    int EncoderFfnDim,
    int NumMelBins = 80,
    int MaxSourcePositions = 1500
)
{
    public int HeadDim => DModel / EncoderAttentionHeads;

    /// <summary>Standard Whisper sizes; random weights of these shapes serve benchmarks and the demo.</summary>
    public static WhisperConfig ForSize(string size) =>
        size switch
        {
            "tiny" => new(384, 4, 6, 1536),
            "base" => new(512, 6, 8, 2048),
            "small" => new(768, 12, 12, 3072),
            "medium" => new(1024, 24, 16, 4096),
            "large-v3" => new(1280, 32, 20, 5120, NumMelBins: 128),
            _ => throw new EmolinguaException($"unknown Whisper size '{size}' (tiny, base, small, medium, large-v3)"),
        };

    public void Validate(string source)
    {
        if (
            DModel <= 0
            || EncoderLayers <= 0
            || EncoderAttentionHeads <= 0
            || EncoderFfnDim <= 0
            || MaxSourcePositions <= 0
        )
        {
            throw new EmolinguaException(source, "encoder sizes must be positive");
        }

        if (DModel % EncoderAttentionHeads != 0)
        {
            throw new EmolinguaException(
                source,
                $"d_model {DModel} is not a multiple of encoder_attention_heads {EncoderAttentionHeads}"
            );
        }

        if (DModel % 2 != 0)
            throw new EmolinguaException(source, $"d_model {DModel} must be even (sinusoidal positions)");
        if (NumMelBins is not (80 or 128))
            throw new EmolinguaException(source, $"num_mel_bins {NumMelBins}: Whisper uses 80 or 128");
    }

    public static WhisperConfig Read(string configPath)
    {
        if (!File.Exists(configPath))
        {
            throw new EmolinguaException(
                configPath,
                "not found (a Hugging Face model folder holds config.json and model.safetensors)"
            );
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(configPath), documentOptions: JsonInput.Strict);
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(configPath, $"not valid JSON ({e.Message.Split('.')[0]})");
        }
        if (node is not JsonObject o)
            throw new EmolinguaException(configPath, "not a JSON object");
        int Get(string key, int? fallback = null)
        {
            if (o[key] is JsonValue v && v.TryGetValue<int>(out var i))
                return i;
            if (o[key] is { } other)
                throw new EmolinguaException(configPath, $"'{key}' is {other.ToJsonString()}, not an integer");
            return fallback ?? throw new EmolinguaException(configPath, $"missing integer '{key}'");
        }
        // TryGetValue: a number where a name belongs is not a match (GetValue threw InvalidOperationException; found by
        // fuzzing).
        if (o["format"] is JsonValue f && f.TryGetValue<string>(out var format) && format == ModelBundle.Format)
        {
            throw new EmolinguaException(
                configPath,
                "is a trained Emolingua emotion model, not Whisper weights (use predict or evaluate --embeddings with it)"
            );
        }

        var model = o["model_type"] switch
        {
            null => null,
            JsonValue t when t.TryGetValue<string>(out var name) => name,
            var other => other.ToJsonString(),
        };
        if (model != null && model != "whisper")
            throw new EmolinguaException(configPath, $"model_type '{model}' is not whisper");
        var config = new WhisperConfig(
            Get("d_model"),
            Get("encoder_layers"),
            Get("encoder_attention_heads"),
            Get("encoder_ffn_dim"),
            Get("num_mel_bins", 80),
            Get("max_source_positions", 1500)
        );
        config.Validate(configPath);
        return config;
    }

    /// <summary>
    /// Checks the sizes that decide memory (d_model, mel bins, FFN width, layer count) against the weights' shapes
    /// before anything is allocated, so that a config that lies fails in a line instead of in a 10 TB allocation.
    /// </summary>
    /// <param name="tensorOf">The file's key and shape of an encoder tensor by parameter name ("conv1.weight"), or null
    /// when absent.</param>
    public void CheckAgainstWeights(
        string configPath,
        string weightsPath,
        Func<string, (string Key, long[] Shape)?> tensorOf
    )
    {
        void Expect(string name, long[] want, string what)
        {
            if (tensorOf(name) is { } t && !t.Shape.SequenceEqual(want))
            {
                throw new EmolinguaException(
                    configPath,
                    $"{what} does not match {Path.GetFileName(weightsPath)}: tensor '{t.Key}' is [{string.Join(", ", t.Shape)}], the config needs [{string.Join(", ", want)}]"
                );
            }
        }
        Expect("conv1.weight", [DModel, NumMelBins, 3], $"d_model {DModel} / num_mel_bins {NumMelBins}");
        Expect("layers.0.fc1.weight", [EncoderFfnDim, DModel], $"encoder_ffn_dim {EncoderFfnDim}");
        if (
            tensorOf($"layers.{EncoderLayers - 1}.fc1.weight") == null
            || tensorOf($"layers.{EncoderLayers}.fc1.weight") != null
        )
        {
            var present = 0;
            while (tensorOf($"layers.{present}.fc1.weight") != null)
                present++;
            throw new EmolinguaException(
                configPath,
                $"encoder_layers {EncoderLayers} does not match {Path.GetFileName(weightsPath)}, which holds {present} encoder layers"
            );
        }
    }

    public JsonObject ToJson() =>
        new()
        {
            ["model_type"] = "whisper",
            ["d_model"] = DModel,
            ["encoder_layers"] = EncoderLayers,
            ["encoder_attention_heads"] = EncoderAttentionHeads,
            ["encoder_ffn_dim"] = EncoderFfnDim,
            ["num_mel_bins"] = NumMelBins,
            ["max_source_positions"] = MaxSourcePositions,
        };
}
