using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Scoring;
using Emolingua.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Models;

/// <summary>
/// A trained emotion model on disk, the <c>model/</c> folder of a run: config.json (encoder dims, head, method,
/// window), model.safetensors (encoder.* and head.* in float32), labels.json (class order) and features.json
/// (the log-mel settings), and calibration.json (the temperature fitted at the end of training; a folder without it,
/// such as one written before calibration existed, has T = 1). Written atomically (a new folder swapped in), so a
/// reader never sees half a model.
/// </summary>
public static class ModelBundle
{
    public const string Format = "emolingua-emotion-model";
    public const string CalibrationFile = "calibration.json";

    public sealed record Info(
        WhisperConfig Whisper,
        double Seconds,
        int HeadHidden,
        double Dropout,
        string Method,
        string[] Labels
    )
    {
        /// <summary>
        /// The calibration temperature T from calibration.json (1 without it). Every engine reports softmax(logits /
        /// T), so an exported graph divides its logits by this value.
        /// </summary>
        public double Temperature { get; init; } = 1;

        /// <summary>Where the model came from (recipe, seed, fold), when the trainer recorded it.</summary>
        public JsonObject? Provenance { get; init; }
    }

    /// <summary>calibration.json: how the temperature was fitted and what it did there (NLL and ECE before and
    /// after).</summary>
    public sealed record Calibration(
        string Method,
        double Temperature,
        string FittedOn,
        [property: JsonPropertyName("n")] int Count,
        int Windows,
        double NllBefore,
        double NllAfter,
        double EceBefore,
        double EceAfter,
        int EceBins
    );

    /// <summary>Writes calibration.json into a model folder (or the temporary folder of one being written).</summary>
    public static void WriteCalibration(string folder, TemperatureScaling.Fit fit, string fittedOn) =>
        Json.Save(
            Path.Combine(folder, CalibrationFile),
            new Calibration(
                "temperature_scaling",
                Math.Round(fit.Temperature, 6),
                fittedOn,
                fit.Clips,
                fit.Windows,
                Math.Round(fit.NllBefore, 6),
                Math.Round(fit.NllAfter, 6),
                Math.Round(fit.EceBefore, 6),
                Math.Round(fit.EceAfter, 6),
                TemperatureScaling.EceBins
            )
        );

    /// <summary>T from a model folder's calibration.json; 1 when the folder has none.</summary>
    public static double ReadTemperature(string folder)
    {
        var path = Path.Combine(folder, CalibrationFile);
        if (!File.Exists(path))
            return 1;
        double? t;
        try
        {
            t = JsonNode
                .Parse(File.ReadAllText(path), documentOptions: JsonInput.Strict)
                ?["temperature"]?.GetValue<double>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new EmolinguaException(path, $"not a valid calibration file ({e.Message.Split('.')[0]})");
        }
        return t is { } v && double.IsFinite(v) && v > 0
            ? v
            : throw new EmolinguaException(path, "\"temperature\" must be a positive number");
    }

    public static void Save(
        string folder,
        EmotionClassifier model,
        double seconds,
        string method,
        JsonObject? provenance = null
    )
    {
        var c = model.encoder.Config;
        var config = new ConfigFile(
            Format,
            VersionInfo.Version,
            method,
            c.ToJson(),
            seconds,
            model.encoder.Positions,
            new HeadFile(model.head.fc1.out_features, model.head.dropout.p, model.head.fc2.out_features),
            provenance
        );
        var features = new FeaturesFile(
            WhisperAudio.SampleRate,
            WhisperAudio.NFft,
            WhisperAudio.HopLength,
            c.NumMelBins,
            seconds,
            WhisperAudio.FramesFor(seconds),
            "first S seconds, zero-padded; longer clips: S-second windows with 50% overlap, probabilities averaged"
        );
        AtomicFolder.Write(folder, tmp =>
        {
            Json.Save(Path.Combine(tmp, "config.json"), config);
            Json.Save(Path.Combine(tmp, "labels.json"), Emotions.All.Select(e => e.Name()).ToArray(), Json.Compact);
            Json.Save(Path.Combine(tmp, "features.json"), features);
            StateDict.Save(Path.Combine(tmp, "model.safetensors"), model);
        });
    }

    /// <summary>config.json: what the model is (read back by <see cref="ReadInfo"/>, which names a missing or bad key
    /// in one line).</summary>
    private sealed record ConfigFile(
        string Format,
        string EmolinguaVersion,
        string Method,
        JsonObject Whisper,
        double Seconds,
        int Positions,
        HeadFile Head,
        JsonObject? Provenance
    );

    private sealed record HeadFile(long Hidden, double Dropout, long Classes);

    /// <summary>features.json: the log-mel settings the model was trained with (for readers outside
    /// Emolingua).</summary>
    private sealed record FeaturesFile(
        int SampleRate,
        int NFft,
        int HopLength,
        int NMels,
        double Seconds,
        int Frames,
        string Window
    );

    /// <summary>Accepts a run folder (with model/ inside) or the model folder itself.</summary>
    public static string Locate(string path)
    {
        if (File.Exists(Path.Combine(path, "model", "config.json")))
            return Path.Combine(path, "model");
        if (File.Exists(Path.Combine(path, "config.json")))
            return path;
        throw new EmolinguaException(
            path,
            "not a trained model: no model/config.json (train one with ./emolingua train)"
        );
    }

    public static Info ReadInfo(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        var node = ReadJson(path);
        try
        {
            if (
                node?["format"] is not JsonValue format
                || format.GetValueKind() != System.Text.Json.JsonValueKind.String
                || format.GetValue<string>() != Format
            )
            {
                throw new EmolinguaException(path, $"not an Emolingua model (format is not '{Format}')");
            }

            int Whisper(string key) => Field(node, "whisper." + key, path).GetValue<int>();
            var whisper = new WhisperConfig(
                Whisper("d_model"),
                Whisper("encoder_layers"),
                Whisper("encoder_attention_heads"),
                Whisper("encoder_ffn_dim"),
                Whisper("num_mel_bins"),
                Whisper("max_source_positions")
            );
            whisper.Validate(path);
            var seconds = Field(node, "seconds", path).GetValue<double>();
            if (!(seconds >= 0.02 && seconds <= 30) || WhisperAudio.FramesFor(seconds) % 2 != 0)
            {
                throw new EmolinguaException(
                    path,
                    $"seconds {seconds} is not a window the encoder takes (0.02 to 30, a multiple of 0.02)"
                );
            }

            var positions = WhisperAudio.PositionsFor(seconds);
            if (positions > whisper.MaxSourcePositions)
            {
                throw new EmolinguaException(
                    path,
                    $"a {seconds} s window needs {positions} positions, but max_source_positions is {whisper.MaxSourcePositions}"
                );
            }

            if (node["positions"] is { } p && p.GetValue<int>() != positions)
            {
                throw new EmolinguaException(
                    path,
                    $"positions {p.GetValue<int>()} does not match seconds {seconds} ({positions} positions)"
                );
            }

            var hidden = Field(node, "head.hidden", path).GetValue<int>();
            var dropout = Field(node, "head.dropout", path).GetValue<double>();
            if (hidden < 1 || !(dropout >= 0 && dropout < 1))
                throw new EmolinguaException(path, $"head hidden {hidden} or dropout {dropout} out of range");

            var labelsPath = Path.Combine(folder, "labels.json");
            var labels =
                ReadJson(labelsPath) is JsonArray array
                && array.All(l => l is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String)
                    ? array.Select(l => l!.GetValue<string>()).ToArray()
                    : throw new EmolinguaException(labelsPath, "not a JSON list of label names");
            if (Field(node, "head", path)["classes"] is { } classes && classes.GetValue<int>() != labels.Length)
            {
                throw new EmolinguaException(
                    labelsPath,
                    $"lists {labels.Length} labels, but the head has {classes.GetValue<int>()} outputs (config.json head.classes)"
                );
            }

            if (!labels.SequenceEqual(Emotions.All.Select(e => e.Name())))
            {
                throw new EmolinguaException(
                    labelsPath,
                    $"labels [{string.Join(", ", labels)}] differ from angry, happy, neutral, sad"
                );
            }

            return new Info(whisper, seconds, hidden, dropout, node["method"]?.GetValue<string>() ?? "unknown", labels)
            {
                Temperature = ReadTemperature(folder),
                Provenance = node["provenance"] as JsonObject,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new EmolinguaException(path, $"incomplete model config ({e.Message})");
        }
    }

    /// <summary>The value at a dotted key of config.json ("whisper.d_model"); a missing key, or a value that is not an
    /// object on the way, is an incomplete config.</summary>
    private static JsonNode Field(JsonNode root, string dottedKey, string path)
    {
        var node = root;
        foreach (var key in dottedKey.Split('.'))
            node = node is JsonObject o ? o[key] : null;
        return node ?? throw new EmolinguaException(path, $"incomplete model config (no {dottedKey})");
    }

    private static JsonNode? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new EmolinguaException(
                path,
                "not found (a model folder holds config.json, model.safetensors, labels.json, features.json)"
            );
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: JsonInput.Strict);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new EmolinguaException(path, $"not valid JSON ({e.Message.Split('.')[0]})");
        }
    }

    public static EmotionClassifier Load(string folder, Device? device = null)
    {
        var info = ReadInfo(folder);
        var weights = SafeTensors.Open(Path.Combine(folder, "model.safetensors"));
        CheckAgainstWeights(folder, info, weights);
        var encoder = new WhisperEncoder(info.Whisper, WhisperAudio.PositionsFor(info.Seconds));
        var model = new EmotionClassifier(encoder, Emotions.All.Count, info.HeadHidden, info.Dropout);
        StateDict.Load(model, weights.Path);
        model.eval();
        if (device != null && device.type != DeviceType.CPU)
            model.to(device);
        return model;
    }

    /// <summary>The config's sizes against the weights' shapes, before a model of those sizes is allocated.</summary>
    private static void CheckAgainstWeights(string folder, Info info, SafeTensors weights)
    {
        var configPath = Path.Combine(folder, "config.json");
        info.Whisper.CheckAgainstWeights(configPath, weights.Path, name =>
            weights.Entries.TryGetValue("encoder." + name, out var e) ? (e.Name, e.Shape) : null
        );
        if (
            weights.Entries.TryGetValue("head.fc1.weight", out var fc1)
            && !fc1.Shape.SequenceEqual([info.HeadHidden, info.Whisper.DModel])
        )
        {
            throw new EmolinguaException(
                configPath,
                $"head hidden {info.HeadHidden} does not match {Path.GetFileName(weights.Path)}: tensor 'head.fc1.weight' is [{string.Join(", ", fc1.Shape)}]"
            );
        }
    }
}
