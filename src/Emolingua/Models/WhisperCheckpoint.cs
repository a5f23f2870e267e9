using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emolingua.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Models;

/// <summary>
/// A Hugging Face Whisper checkpoint on disk: a folder with config.json and model.safetensors (or shards listed in
/// model.safetensors.index.json). <see cref="Resolve"/> accepts such a folder, a .safetensors file beside its
/// config.json, or a hub id ("openai/whisper-small.en") looked up in the local HF cache and downloaded when missing.
/// </summary>
public sealed partial class WhisperCheckpoint
{
    public string Folder { get; }
    public WhisperConfig Config { get; }
    public IReadOnlyList<string> WeightFiles { get; }

    private WhisperCheckpoint(string folder, WhisperConfig config, IReadOnlyList<string> weightFiles)
    {
        Folder = folder;
        Config = config;
        WeightFiles = weightFiles;
    }

    public static WhisperCheckpoint Resolve(string model, HubDownloader? downloader = null)
    {
        if (Directory.Exists(model))
            return FromFolder(model);
        if (File.Exists(model))
        {
            if (!model.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new EmolinguaException(model, "expected a Hugging Face model folder or a .safetensors file");
            var folder = Path.GetDirectoryName(Path.GetFullPath(model))!;
            return new WhisperCheckpoint(
                folder,
                WhisperConfig.Read(Path.Combine(folder, "config.json")),
                new[] { Path.GetFullPath(model) }
            );
        }
        if (HubIdRegex().IsMatch(model))
        {
            var cached = HuggingFaceCache.FindSnapshot(model);
            if (cached != null)
                return FromFolder(cached);
            if (HuggingFaceCache.Offline)
            {
                throw new EmolinguaException(
                    model,
                    $"not in the Hugging Face cache ({HuggingFaceCache.HubDirectory}) and HF_HUB_OFFLINE is set"
                );
            }

            return FromFolder((downloader ?? new HubDownloader()).Download(model));
        }
        throw new EmolinguaException(model, "no such folder or file, and not a Hugging Face hub id (owner/name)");
    }

    public static WhisperCheckpoint FromFolder(string folder)
    {
        var config = WhisperConfig.Read(Path.Combine(folder, "config.json"));
        var single = Path.Combine(folder, "model.safetensors");
        var index = Path.Combine(folder, "model.safetensors.index.json");
        if (File.Exists(single))
            return new WhisperCheckpoint(folder, config, new[] { single });
        if (File.Exists(index))
            return new WhisperCheckpoint(folder, config, ShardsFromIndex(index));
        if (File.Exists(Path.Combine(folder, "pytorch_model.bin")))
        {
            throw new EmolinguaException(
                folder,
                "only pytorch_model.bin found: Emolingua reads safetensors (convert with transformers' save_pretrained(safe_serialization=True))"
            );
        }

        throw new EmolinguaException(folder, "no model.safetensors or model.safetensors.index.json");
    }

    private static List<string> ShardsFromIndex(string indexPath)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(indexPath), documentOptions: JsonInput.Strict);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new EmolinguaException(indexPath, $"not valid JSON ({e.Message.Split('.')[0]})");
        }
        if (node?["weight_map"] is not JsonObject map)
            throw new EmolinguaException(indexPath, "no weight_map object");
        var folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var shards = map.Select(kv =>
                kv.Value?.GetValue<string>()
                ?? throw new EmolinguaException(indexPath, $"weight_map entry '{kv.Key}' is not a file name")
            )
            .Distinct()
            .Order(StringComparer.Ordinal)
            .Select(f => Path.Combine(folder, f))
            .ToList();
        foreach (var s in shards)
        {
            if (!File.Exists(s))
                throw new EmolinguaException(indexPath, $"shard {Path.GetFileName(s)} listed in weight_map is missing");
        }

        return shards;
    }

    /// <summary>
    /// Maps a checkpoint key to the encoder's parameter name: strips "model." and "encoder."; null for decoder and
    /// output-projection tensors, which the encoder does not use.
    /// </summary>
    public static string? EncoderKey(string key)
    {
        if (key.StartsWith("model.", StringComparison.Ordinal))
            key = key["model.".Length..];
        if (
            key.StartsWith("decoder.", StringComparison.Ordinal) || key.StartsWith("proj_out", StringComparison.Ordinal)
        )
        {
            return null;
        }

        if (key.StartsWith("encoder.", StringComparison.Ordinal))
            return key["encoder.".Length..];
        return key;
    }

    /// <summary>Builds the encoder for <paramref name="positions"/> positions (50·S) and loads the weights
    /// (F32/F16/BF16 → F32).</summary>
    public WhisperEncoder LoadEncoder(int positions, Device? device = null)
    {
        var configPath = Path.Combine(Folder, "config.json");
        if (positions > Config.MaxSourcePositions)
        {
            throw new EmolinguaException(
                configPath,
                $"a {positions / 50.0:0.##} s window needs {positions} encoder positions, but max_source_positions is {Config.MaxSourcePositions} (windows of at most {Config.MaxSourcePositions / 50.0:0.##} s)"
            );
        }

        var sources = Sources();
        Config.CheckAgainstWeights(configPath, WeightFiles[0], name =>
            sources.TryGetValue(name, out var s) ? (s.Key, s.File.Entries[s.Key].Shape) : null
        );
        var encoder = new WhisperEncoder(Config, positions);
        LoadInto(encoder, sources);
        if (device != null && device.type != DeviceType.CPU)
            encoder.to(device);
        return encoder;
    }

    /// <summary>Copies the checkpoint's encoder tensors into <paramref name="encoder"/>, cropping the positional
    /// table.</summary>
    public void LoadInto(WhisperEncoder encoder) => LoadInto(encoder, Sources());

    /// <summary>Every encoder tensor of the weight files by parameter name (headers only).</summary>
    private Dictionary<string, (SafeTensors File, string Key)> Sources()
    {
        var sources = new Dictionary<string, (SafeTensors File, string Key)>(StringComparer.Ordinal);
        foreach (var path in WeightFiles)
        {
            var st = SafeTensors.Open(path);
            foreach (var key in st.Entries.Keys)
            {
                if (EncoderKey(key) is { } name)
                    sources.TryAdd(name, (st, key));
            }
        }
        return sources;
    }

    private void LoadInto(WhisperEncoder encoder, Dictionary<string, (SafeTensors File, string Key)> sources)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in encoder.named_parameters())
        {
            if (!sources.TryGetValue(name, out var source))
            {
                throw new EmolinguaException(
                    WeightFiles[0],
                    $"missing tensor for encoder parameter '{name}' (expected key 'model.encoder.{name}' or '{name}')"
                );
            }

            var entry = source.File.Entries[source.Key];
            var want = parameter.shape;
            var isPositions = name == "embed_positions.weight";
            var shapeOk = isPositions
                ? entry.Shape.Length == 2 && entry.Shape[1] == want[1] && entry.Shape[0] >= want[0]
                : entry.Shape.SequenceEqual(want);
            if (!shapeOk)
            {
                throw new EmolinguaException(
                    source.File.Path,
                    $"tensor '{source.Key}' has shape [{string.Join(", ", entry.Shape)}] but the encoder needs [{string.Join(", ", want)}]{(isPositions ? " (or more rows)" : "")}"
                );
            }

            var data = source.File.ReadFloat32(source.Key);
            using var loaded = tensor(data, entry.Shape);
            // The positional table is cropped to the window: rows 0..P-1, no interpolation (spec §2.6).
            using var value = isPositions ? loaded.narrow(0, 0, want[0]) : loaded.alias();
            parameter.copy_(value);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")]
    private static partial Regex HubIdRegex();
}
