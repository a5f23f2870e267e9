using System.Text.Json.Nodes;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Models;

/// <summary>
/// A trained emotion model on disk, the <c>model/</c> folder of a run: config.json (encoder dims, head, method,
/// window), model.safetensors (encoder.* and head.* in float32), labels.json (class order) and features.json
/// (the log-mel settings). Written atomically (a new folder swapped in), so a reader never sees half a model.
/// </summary>
public static class ModelBundle
{
    public const string Format = "emolingua-emotion-model";

    public sealed record Info(WhisperConfig Whisper, double Seconds, int HeadHidden, double Dropout, string Method, string[] Labels)
    {
        /// <summary>Where the model came from (recipe, seed, fold), when the trainer recorded it.</summary>
        public JsonObject? Provenance { get; init; }
    }

    public static void Save(string folder, EmotionClassifier model, double seconds, string method, JsonObject? provenance = null)
    {
        var c = model.encoder.Config;
        var config = new JsonObject
        {
            ["format"] = Format, ["emolingua_version"] = VersionInfo.Version, ["method"] = method,
            ["whisper"] = c.ToJson(), ["seconds"] = seconds, ["positions"] = model.encoder.Positions,
            ["head"] = new JsonObject { ["hidden"] = model.head.fc1.out_features, ["dropout"] = model.head.dropout.p, ["classes"] = model.head.fc2.out_features },
        };
        if (provenance != null) config["provenance"] = provenance;
        var labels = new JsonArray(Emotions.All.Select(e => (JsonNode)e.Name()).ToArray());
        var features = new JsonObject
        {
            ["sample_rate"] = WhisperAudio.SampleRate, ["n_fft"] = WhisperAudio.NFft, ["hop_length"] = WhisperAudio.HopLength,
            ["n_mels"] = c.NumMelBins, ["seconds"] = seconds, ["frames"] = WhisperAudio.FramesFor(seconds),
            ["window"] = "first S seconds, zero-padded; longer clips: S-second windows with 50% overlap, probabilities averaged",
        };
        AtomicFolder.Write(folder, tmp =>
        {
            Json.Save(Path.Combine(tmp, "config.json"), config);
            Json.Save(Path.Combine(tmp, "labels.json"), labels, indented: false);
            Json.Save(Path.Combine(tmp, "features.json"), features);
            StateDict.Save(Path.Combine(tmp, "model.safetensors"), model);
        });
    }

    /// <summary>Accepts a run folder (with model/ inside) or the model folder itself.</summary>
    public static string Locate(string path)
    {
        if (File.Exists(Path.Combine(path, "model", "config.json"))) return Path.Combine(path, "model");
        if (File.Exists(Path.Combine(path, "config.json"))) return path;
        throw new EmolinguaException(path, "not a trained model: no model/config.json (train one with ./emolingua train)");
    }

    public static Info ReadInfo(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new EmolinguaException(path, $"not valid JSON ({e.Message.Split('.')[0]})"); }
        if (node?["format"]?.GetValue<string>() != Format) throw new EmolinguaException(path, $"not an Emolingua model (format is not '{Format}')");
        try
        {
            var w = node["whisper"]!;
            var whisper = new WhisperConfig(w["d_model"]!.GetValue<int>(), w["encoder_layers"]!.GetValue<int>(), w["encoder_attention_heads"]!.GetValue<int>(),
                w["encoder_ffn_dim"]!.GetValue<int>(), w["num_mel_bins"]!.GetValue<int>(), w["max_source_positions"]!.GetValue<int>());
            whisper.Validate(path);
            var labels = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "labels.json")))!.AsArray().Select(l => l!.GetValue<string>()).ToArray();
            if (!labels.SequenceEqual(Emotions.All.Select(e => e.Name())))
                throw new EmolinguaException(Path.Combine(folder, "labels.json"), $"labels [{string.Join(", ", labels)}] differ from angry, happy, neutral, sad");
            return new Info(whisper, node["seconds"]!.GetValue<double>(), node["head"]!["hidden"]!.GetValue<int>(),
                node["head"]!["dropout"]!.GetValue<double>(), node["method"]?.GetValue<string>() ?? "unknown", labels)
            { Provenance = node["provenance"] as JsonObject };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new EmolinguaException(path, $"incomplete model config ({e.Message})");
        }
    }

    public static EmotionClassifier Load(string folder, Device? device = null)
    {
        var info = ReadInfo(folder);
        var encoder = new WhisperEncoder(info.Whisper, WhisperAudio.PositionsFor(info.Seconds));
        var model = new EmotionClassifier(encoder, Emotions.All.Count, info.HeadHidden, info.Dropout);
        StateDict.Load(model, Path.Combine(folder, "model.safetensors"));
        model.eval();
        if (device != null && device.type != DeviceType.CPU) model.to(device);
        return model;
    }
}
