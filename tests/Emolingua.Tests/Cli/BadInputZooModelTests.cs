using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Emolingua.Models;
using static Emolingua.Tests.Cli.CliHarness;

namespace Emolingua.Tests.Cli;

/// <summary>The bad-input zoo, model folders: a broken Whisper folder (<c>embed</c>) and a broken trained bundle
/// (<c>predict</c>).</summary>
public class BadInputZooModelTests(TinyBundleFixture bundle) : BadInputZoo, IClassFixture<TinyBundleFixture>
{
    public static TheoryData<string> WhisperFolderKinds() =>
        [
            "folder without config.json",
            "config.json not JSON",
            "config d_model not an integer",
            "d_model not divisible by heads",
            "d_model that disagrees with the weights (2^20)",
            "encoder_layers that disagree with the weights",
            "window past max_source_positions",
            "no model.safetensors",
            "safetensors cut in half",
            "safetensors header length 2^40",
            "safetensors header not JSON",
            "safetensors offsets overlapping",
            "weights holding NaN",
            "a file that is not .safetensors",
        ];

    /// <summary>A broken copy of the tiny Whisper fixture: (--model argument, the file the error names, the problem,
    /// --seconds).</summary>
    private (string Model, string Names, string Problem, string Seconds) BadWhisper(string kind)
    {
        var folder = Dir.File("whisper-" + kind.Replace(' ', '-').Replace('^', '_'));
        Directory.CreateDirectory(folder);
        string config = Path.Combine(folder, "config.json"),
            weights = Path.Combine(folder, "model.safetensors");
        File.Copy(Path.Combine(Fixtures.TinyModel, "config.json"), config);
        File.Copy(Path.Combine(Fixtures.TinyModel, "model.safetensors"), weights);
        void EditConfig(Action<JsonObject> edit) => EditJson(config, edit);
        void WriteHeader(string json)
        {
            var bytes = File.ReadAllBytes(weights);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            var header = System.Text.Encoding.UTF8.GetBytes(json.PadRight((int)length));
            Assert.Equal((int)length, header.Length);
            header.CopyTo(bytes, 8);
            File.WriteAllBytes(weights, bytes);
        }
        switch (kind)
        {
            case "folder without config.json":
                File.Delete(config);
                return (
                    folder,
                    config,
                    "not found (a Hugging Face model folder holds config.json and model.safetensors)",
                    "1"
                );
            case "config.json not JSON":
                File.WriteAllText(config, "{ \"d_model\": 64, ");
                return (
                    folder,
                    config,
                    "not valid JSON (Expected start of a property name or value, but instead reached end of data)",
                    "1"
                );
            case "config d_model not an integer":
                EditConfig(c => c["d_model"] = "big");
                return (folder, config, "'d_model' is \"big\", not an integer", "1");
            case "d_model not divisible by heads":
                EditConfig(c => c["encoder_attention_heads"] = 5);
                return (folder, config, "d_model 64 is not a multiple of encoder_attention_heads 5", "1");
            case "d_model that disagrees with the weights (2^20)":
                EditConfig(c =>
                {
                    c["d_model"] = 1 << 20;
                    c["encoder_attention_heads"] = 1;
                });
                return (
                    folder,
                    config,
                    "d_model 1048576 / num_mel_bins 80 does not match model.safetensors: tensor 'model.encoder.conv1.weight' is [64, 80, 3], the config needs [1048576, 80, 3]",
                    "1"
                );
            case "encoder_layers that disagree with the weights":
                EditConfig(c => c["encoder_layers"] = 3);
                return (
                    folder,
                    config,
                    "encoder_layers 3 does not match model.safetensors, which holds 2 encoder layers",
                    "1"
                );
            case "window past max_source_positions":
                EditConfig(c => c["max_source_positions"] = 50);
                return (
                    folder,
                    config,
                    "a 2 s window needs 100 encoder positions, but max_source_positions is 50 (windows of at most 1 s)",
                    "2"
                );
            case "no model.safetensors":
                File.Delete(weights);
                return (folder, folder, "no model.safetensors or model.safetensors.index.json", "1");
            case "safetensors cut in half":
            {
                // The header read here by hand: the tensor whose data ends last, and where the data starts.
                var whole = File.ReadAllBytes(weights);
                var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(whole);
                var last = JsonNode
                    .Parse(whole.AsSpan(8, headerLength))!
                    .AsObject()
                    .Where(p => p.Key != "__metadata__")
                    .Select(p => (Name: p.Key, End: p.Value!["data_offsets"]![1]!.GetValue<long>()))
                    .MaxBy(t => t.End);
                File.WriteAllBytes(weights, whole[..(whole.Length / 2)]);
                return (
                    folder,
                    weights,
                    $"truncated safetensors file: tensor '{last.Name}' ends at data byte {last.End}, the file holds {whole.Length / 2 - 8 - headerLength} bytes of data",
                    "1"
                );
            }
            case "safetensors header length 2^40":
                var big = File.ReadAllBytes(weights);
                BinaryPrimitives.WriteUInt64LittleEndian(big, 1UL << 40);
                File.WriteAllBytes(weights, big);
                return (
                    folder,
                    weights,
                    "corrupt safetensors header: header length 1099511627776 bytes exceeds the 100 MB limit",
                    "1"
                );
            case "safetensors header not JSON":
                WriteHeader("{\"model.encoder.conv1.weight\": {\"dtype\": ");
                return (
                    folder,
                    weights,
                    "corrupt safetensors header: not JSON (Expected depth to be zero at the end of the JSON payload)",
                    "1"
                );
            case "safetensors offsets overlapping":
            {
                var st = SafeTensors.Open(weights);
                var header = new JsonObject();
                foreach (var e in st.Entries.Values)
                {
                    header[e.Name] = new JsonObject
                    {
                        ["dtype"] = e.DType,
                        ["shape"] = new JsonArray(e.Shape.Select(d => (JsonNode)d).ToArray()),
                        ["data_offsets"] = new JsonArray(e.Begin, e.End),
                    };
                }

                var ordered = st.Entries.Values.OrderBy(e => e.Begin).ToList();
                var (first, second) = (ordered[0], ordered[1]);
                var secondSize = second.End - second.Begin;
                // starts where the first tensor starts
                header[second.Name]!["data_offsets"] = new JsonArray(0L, secondSize);
                WriteHeader(header.ToJsonString());
                // Of the two tensors at offset 0, the longer comes second in offset order and is the one that overlaps.
                Assert.NotEqual(first.End, secondSize);
                var (name, end) = secondSize > first.End ? (second.Name, secondSize) : (first.Name, first.End);
                return (folder, weights, $"tensor '{name}': data offsets [0, {end}) overlap the previous tensor", "1");
            }
            case "weights holding NaN":
            {
                var st = SafeTensors.Open(weights);
                var entry = st.Entries["model.encoder.layer_norm.weight"];
                var bytes = File.ReadAllBytes(weights);
                var dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
                BinaryPrimitives.WriteSingleLittleEndian(
                    bytes.AsSpan((int)(dataStart + entry.Begin + 4 * 3)),
                    float.NaN
                );
                File.WriteAllBytes(weights, bytes);
                return (
                    folder,
                    weights,
                    "tensor 'model.encoder.layer_norm.weight': value 3 is NaN; the weights are corrupt",
                    "1"
                );
            }
            case "a file that is not .safetensors":
                return (config, config, "expected a Hugging Face model folder or a .safetensors file", "1");
            default:
                throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(WhisperFolderKinds))]
    public void Embed_RefusesBadWhisperFolder(string kind)
    {
        var (model, names, problem, seconds) = BadWhisper(kind);
        var output = FreshOutput("embed.npy");
        var r = RunChild(
            "embed",
            "--model",
            model,
            "--seconds",
            seconds,
            "--out",
            output,
            Fixtures.Input("chirp_1p2s.wav")
        );
        AssertRefused(r, $"error: {names}: {problem}");
        AssertNothingWritten(output);
    }

    public static TheoryData<string> BundleKinds() =>
        [
            "labels.json with 5 labels for a 4-way head",
            "labels.json in another order",
            "labels.json missing",
            "labels.json not JSON",
            "labels.json not a list",
            "config seconds out of range",
            "config head hidden that disagrees with the weights",
            "config format wrong",
        ];

    /// <summary>A broken copy of the tiny trained bundle: (model folder, file the error names, the problem).</summary>
    private (string Folder, string Names, string Problem) BadBundle(string kind)
    {
        var folder = Dir.File("bundle-" + kind.Replace(' ', '-'));
        Directory.CreateDirectory(folder);
        foreach (var f in Directory.GetFiles(bundle.Folder))
            File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        string config = Path.Combine(folder, "config.json"),
            labels = Path.Combine(folder, "labels.json");
        void EditConfig(Action<JsonObject> edit) => EditJson(config, edit);
        switch (kind)
        {
            case "labels.json with 5 labels for a 4-way head":
                File.WriteAllText(labels, "[\"angry\", \"happy\", \"neutral\", \"sad\", \"calm\"]");
                return (folder, labels, "lists 5 labels, but the head has 4 outputs (config.json head.classes)");
            case "labels.json in another order":
                File.WriteAllText(labels, "[\"sad\", \"happy\", \"neutral\", \"angry\"]");
                return (folder, labels, "labels [sad, happy, neutral, angry] differ from angry, happy, neutral, sad");
            case "labels.json missing":
                File.Delete(labels);
                return (
                    folder,
                    labels,
                    "not found (a model folder holds config.json, model.safetensors, labels.json, features.json)"
                );
            case "labels.json not JSON":
                File.WriteAllText(labels, "angry, happy");
                return (folder, labels, "not valid JSON ('a' is an invalid start of a value)");
            case "labels.json not a list":
                File.WriteAllText(labels, "{\"0\": \"angry\"}");
                return (folder, labels, "not a JSON list of label names");
            case "config seconds out of range":
                EditConfig(c => c["seconds"] = 1000);
                return (
                    folder,
                    config,
                    "seconds 1000 is not a window the encoder takes (0.02 to 30, a multiple of 0.02)"
                );
            case "config head hidden that disagrees with the weights":
                EditConfig(c => c["head"]!["hidden"] = 1 << 28);
                return (
                    folder,
                    config,
                    "head hidden 268435456 does not match model.safetensors: tensor 'head.fc1.weight' is [32, 64]"
                );
            case "config format wrong":
                EditConfig(c => c["format"] = 3);
                return (folder, config, "not an Emolingua model (format is not 'emolingua-emotion-model')");
            default:
                throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(BundleKinds))]
    public void Predict_RefusesBadModelFolder(string kind)
    {
        var (folder, names, problem) = BadBundle(kind);
        AssertRefused(RunChild("predict", "--model", folder, GoodWav("clip.wav")), $"error: {names}: {problem}");
    }
}
