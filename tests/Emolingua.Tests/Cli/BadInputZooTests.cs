using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Emolingua.Models;
using static Emolingua.Tests.Audio.AudioTestTools;
using static Emolingua.Tests.Cli.CliHarness;

namespace Emolingua.Tests.Cli;

/// <summary>
/// The zoo of bad input, through the built CLI as a child process: each kind gets a non-zero exit, one stderr line
/// "error: FILE-or-OPTION: problem" naming what is wrong, no stack trace, nothing on stdout, and no output file (or run
/// folder) left behind. Kinds are theory rows named for what is wrong; the README's error-handling section lists them.
/// </summary>
public class BadInputZooTests(TinyBundleFixture bundle) : IClassFixture<TinyBundleFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>An output path in a folder that does not exist yet: after a refusal neither may exist.</summary>
    private string FreshOutput(string name) => Path.Combine(_dir.Path, "out-" + Guid.NewGuid().ToString("N")[..8], name);

    private static void AssertNothingWritten(string output)
    {
        Assert.False(File.Exists(output), $"{output} was written");
        Assert.False(Directory.Exists(output), $"{output} was created");
        var folder = Path.GetDirectoryName(output)!;
        if (Directory.Exists(folder)) Assert.Empty(Directory.EnumerateFileSystemEntries(folder)); // no temp files either
    }

    private string Write(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void EditJson(string path, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }

    private static byte[] Pcm16(int n = 1600) => Int16Bytes(Enumerable.Range(0, n).Select(i => (short)(8000 * Math.Sin(i * 0.05))).ToArray());

    private static float[] Tone(int n = 1600) => Enumerable.Range(0, n).Select(i => (float)(0.3 * Math.Sin(i * 0.05))).ToArray();

    // ---------------------------------------------------------------- audio

    public static TheoryData<string> AudioKinds() =>
    [
        "missing file", "directory", "empty file", "text named .wav", "header cut inside fmt", "data chunk empty",
        "NaN float samples", "infinite float samples", "float64 samples beyond float32", "sample rate 1 Hz", "sample rate 0",
        "sample rate 2^31-1", "0 channels", "65535 channels", "bit depth larger than its container", "bit depth 0",
        "A-law encoding", "data chunk size past the end", "no data chunk", "MP3 cut inside a frame",
        "MP3 cut at a frame boundary (Xing count)", "ID3 tag and no MP3 frames", "FLAC cut short", "amplitudes that overflow the log-mel",
    ];

    /// <summary>A bad audio file of the given kind and the words its error must hold (besides its path).</summary>
    private (string Path, string[] Words) BadAudio(string kind)
    {
        var pcm = Pcm16();
        var floats = Tone();
        switch (kind)
        {
            case "missing file": return (_dir.File("missing.wav"), ["not found"]);
            case "directory": Directory.CreateDirectory(_dir.File("folder.wav")); return (_dir.File("folder.wav"), ["directory"]);
            case "empty file": return (Write("empty.wav", []), ["empty"]);
            case "text named .wav": return (Write("text.wav", "just some text, not audio\n"u8.ToArray()), ["not a RIFF/WAVE"]);
            case "header cut inside fmt": return (Write("cut.wav", new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("data", pcm).Build()[..30]), ["truncated"]);
            case "data chunk empty": return (Write("nodata.wav", new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("data", []).Build()), ["empty"]);
            case "NaN float samples":
                floats[700] = float.NaN;
                return (Write("nan.wav", new RiffBuilder().Fmt(3, 1, 16000, 32).Chunk("data", FloatBytes(floats)).Build()), ["sample 700", "NaN"]);
            case "infinite float samples":
                floats[5] = float.NegativeInfinity;
                return (Write("inf.wav", new RiffBuilder().Fmt(3, 1, 16000, 32).Chunk("data", FloatBytes(floats)).Build()), ["sample 5", "infinity"]);
            case "float64 samples beyond float32":
                var doubles = floats.Select(f => (double)f).ToArray();
                doubles[9] = 1e300;
                return (Write("f64.wav", new RiffBuilder().Fmt(3, 1, 16000, 64).Chunk("data", DoubleBytes(doubles)).Build()), ["sample 9", "infinity"]);
            case "sample rate 1 Hz": return (Write("rate1.wav", new RiffBuilder().Fmt(1, 1, 1, 16).Chunk("data", pcm).Build()), ["sample rate 1 Hz"]);
            case "sample rate 0": return (Write("rate0.wav", new RiffBuilder().Fmt(1, 1, 0, 16).Chunk("data", pcm).Build()), ["sample rate"]);
            case "sample rate 2^31-1": return (Write("ratemax.wav", new RiffBuilder().Fmt(1, 1, int.MaxValue, 16).Chunk("data", pcm).Build()), ["sample rate 2147483647 Hz"]);
            case "0 channels": return (Write("ch0.wav", new RiffBuilder().Fmt(1, 0, 16000, 16, blockAlign: 2).Chunk("data", pcm).Build()), ["0 channels"]);
            case "65535 channels": return (Write("ch65535.wav", new RiffBuilder().Fmt(1, 65535, 16000, 16, blockAlign: 65534).Chunk("data", pcm).Build()), ["65535 channels"]);
            case "bit depth larger than its container": return (Write("bits24.wav", new RiffBuilder().Fmt(1, 1, 16000, 24, blockAlign: 2).Chunk("data", pcm).Build()), ["24-bit", "2-byte"]);
            case "bit depth 0": return (Write("bits0.wav", new RiffBuilder().Fmt(1, 1, 16000, 0, blockAlign: 2).Chunk("data", pcm).Build()), ["0-bit"]);
            case "A-law encoding": return (Write("alaw.wav", new RiffBuilder().Fmt(6, 1, 8000, 8).Chunk("data", pcm).Build()), ["unsupported", "A-law"]);
            case "data chunk size past the end":
                return (Write("past.wav", new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("data", pcm, sizeOverride: 1_000_000).Build()), ["truncated", "1000000"]);
            case "no data chunk": return (Write("nodatachunk.wav", new RiffBuilder().Fmt(1, 1, 16000, 16).Chunk("LIST", new byte[4]).Build()), ["no data chunk"]);
            case "MP3 cut inside a frame": return (Write("cut.mp3", Mp3Bytes()[..3001]), ["truncated MP3"]);
            case "MP3 cut at a frame boundary (Xing count)": return (Write("cutframe.mp3", CutAtFrameBoundary(Mp3Bytes())), ["truncated MP3", "Xing"]);
            case "ID3 tag and no MP3 frames": return (Write("tagonly.mp3", "ID3\x03\0\0\0\0\0\x05hello"u8.ToArray()), ["no MPEG audio frames"]);
            case "FLAC cut short": return (Write("cut.flac", FlacBytes()[..3000]), ["ffmpeg"]);
            case "amplitudes that overflow the log-mel":
                return (Write("loud.wav", new RiffBuilder().Fmt(3, 1, 16000, 32).Chunk("data", FloatBytes(floats.Select(f => f * 1e30f).ToArray())).Build()), ["log-mel value", "overflow"]);
            default: throw new ArgumentException(kind);
        }
    }

    private byte[] Mp3Bytes()
    {
        var wav = _dir.File("mp3-source.wav");
        TestWav.WritePcm16Mono(wav, TestWav.Voiced(1, 16000), 16000);
        var mp3 = _dir.File("source.mp3");
        if (!File.Exists(mp3)) Run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", "32k", mp3);
        return File.ReadAllBytes(mp3);
    }

    private byte[] FlacBytes()
    {
        var wav = _dir.File("flac-source.wav");
        TestWav.WritePcm16Mono(wav, TestWav.Voiced(1, 16000), 16000);
        var flac = _dir.File("source.flac");
        Run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, "-f", "flac", flac);
        return File.ReadAllBytes(flac);
    }

    /// <summary>The MP3 up to the end of its 10th frame after the Xing frame (walking the frame lengths by hand).</summary>
    private static byte[] CutAtFrameBoundary(byte[] mp3)
    {
        int pos = mp3.AsSpan().StartsWith("ID3"u8) ? 10 + (mp3[6] << 21 | mp3[7] << 14 | mp3[8] << 7 | mp3[9]) : 0;
        for (int frame = 0; frame < 11; frame++)
        {
            Assert.Equal(0xFF, mp3[pos]);
            int bitrate = new[] { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 }[mp3[pos + 2] >> 4] * 1000; // MPEG-2 layer III
            int padding = (mp3[pos + 2] >> 1) & 1;
            pos += 72 * bitrate / 16000 + padding;
        }
        return mp3[..pos];
    }

    [Theory]
    [MemberData(nameof(AudioKinds))]
    public void Features_RefusesBadAudio(string kind)
    {
        var (audio, words) = BadAudio(kind);
        var output = FreshOutput("features.npy");
        AssertOneLineError(RunChild("features", audio, "--seconds", "1", "--out", output), [audio, .. words]);
        AssertNothingWritten(output);
    }

    [Theory]
    [InlineData("NaN float samples")]
    [InlineData("sample rate 1 Hz")]
    [InlineData("data chunk empty")]
    public void Embed_RefusesBadAudioAfterGoodFiles(string kind)
    {
        var (audio, words) = BadAudio(kind);
        var good = _dir.File("good.wav");
        TestWav.WritePcm16Mono(good, TestWav.Voiced(1, 16000), 16000);
        var output = FreshOutput("embed.npy");
        var r = RunChild("embed", "--model", Fixtures.TinyModel, "--seconds", "1", "--batch", "1", "--out", output, good, audio);
        AssertOneLineError(r with { Err = WithoutNnpackWarnings(r.Err) }, [audio, .. words]);
        AssertNothingWritten(output);
    }

    /// <summary>libtorch may warn once about NNPACK on this CPU after the encoder ran; that line is not ours.</summary>
    private static string WithoutNnpackWarnings(string err) =>
        string.Join('\n', err.Split('\n').Where(l => !l.Contains("NNPACK")));

    // ---------------------------------------------------------------- model folders

    public static TheoryData<string> WhisperFolderKinds() =>
    [
        "folder without config.json", "config.json not JSON", "config d_model not an integer", "d_model not divisible by heads",
        "d_model that disagrees with the weights (2^20)", "encoder_layers that disagree with the weights", "window past max_source_positions",
        "no model.safetensors", "safetensors cut in half", "safetensors header length 2^40", "safetensors header not JSON",
        "safetensors offsets overlapping", "weights holding NaN", "a file that is not .safetensors",
    ];

    /// <summary>A broken copy of the tiny Whisper fixture: (--model argument, the file the error names, words, --seconds).</summary>
    private (string Model, string Names, string[] Words, string Seconds) BadWhisper(string kind)
    {
        var folder = _dir.File("whisper-" + kind.Replace(' ', '-').Replace('^', '_'));
        Directory.CreateDirectory(folder);
        string config = Path.Combine(folder, "config.json"), weights = Path.Combine(folder, "model.safetensors");
        File.Copy(Path.Combine(Fixtures.TinyModel, "config.json"), config);
        File.Copy(Path.Combine(Fixtures.TinyModel, "model.safetensors"), weights);
        void EditConfig(Action<JsonObject> edit) => EditJson(config, edit);
        void WriteHeader(string json)
        {
            var bytes = File.ReadAllBytes(weights);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            var header = System.Text.Encoding.UTF8.GetBytes(json.PadRight((int)length));
            Assert.Equal((int)length, header.Length);
            header.CopyTo(bytes, 8);
            File.WriteAllBytes(weights, bytes);
        }
        switch (kind)
        {
            case "folder without config.json": File.Delete(config); return (folder, config, ["not found"], "1");
            case "config.json not JSON": File.WriteAllText(config, "{ \"d_model\": 64, "); return (folder, config, ["not valid JSON"], "1");
            case "config d_model not an integer": EditConfig(c => c["d_model"] = "big"); return (folder, config, ["d_model", "not an integer"], "1");
            case "d_model not divisible by heads": EditConfig(c => c["encoder_attention_heads"] = 5); return (folder, config, ["d_model 64", "encoder_attention_heads 5"], "1");
            case "d_model that disagrees with the weights (2^20)":
                EditConfig(c => { c["d_model"] = 1 << 20; c["encoder_attention_heads"] = 1; });
                return (folder, config, ["d_model 1048576", "conv1.weight", "[64, 80, 3]"], "1");
            case "encoder_layers that disagree with the weights": EditConfig(c => c["encoder_layers"] = 3); return (folder, config, ["encoder_layers 3", "2 encoder layers"], "1");
            case "window past max_source_positions": EditConfig(c => c["max_source_positions"] = 50); return (folder, config, ["max_source_positions is 50", "100 encoder positions"], "2");
            case "no model.safetensors": File.Delete(weights); return (folder, folder, ["no model.safetensors"], "1");
            case "safetensors cut in half": File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..(int)(new FileInfo(weights).Length / 2)]); return (folder, weights, [], "1");
            case "safetensors header length 2^40":
                var big = File.ReadAllBytes(weights);
                BinaryPrimitives.WriteUInt64LittleEndian(big, 1UL << 40);
                File.WriteAllBytes(weights, big);
                return (folder, weights, ["header length"], "1");
            case "safetensors header not JSON": WriteHeader("{\"model.encoder.conv1.weight\": {\"dtype\": "); return (folder, weights, ["not JSON"], "1");
            case "safetensors offsets overlapping":
            {
                var st = SafeTensors.Open(weights);
                var header = new JsonObject();
                foreach (var e in st.Entries.Values)
                    header[e.Name] = new JsonObject { ["dtype"] = e.DType, ["shape"] = new JsonArray(e.Shape.Select(d => (JsonNode)d).ToArray()), ["data_offsets"] = new JsonArray(e.Begin, e.End) };
                var first = st.Entries.Values.OrderBy(e => e.Begin).Skip(1).First();
                header[first.Name]!["data_offsets"] = new JsonArray(0L, first.End - first.Begin); // starts where the first tensor starts
                WriteHeader(header.ToJsonString());
                return (folder, weights, ["overlap"], "1");
            }
            case "weights holding NaN":
            {
                var st = SafeTensors.Open(weights);
                var entry = st.Entries["model.encoder.layer_norm.weight"];
                var bytes = File.ReadAllBytes(weights);
                long dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(dataStart + entry.Begin + 4 * 3)), float.NaN);
                File.WriteAllBytes(weights, bytes);
                return (folder, weights, ["layer_norm.weight", "value 3 is NaN"], "1");
            }
            case "a file that is not .safetensors": return (config, config, ["folder or a .safetensors file"], "1");
            default: throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(WhisperFolderKinds))]
    public void Embed_RefusesBadWhisperFolder(string kind)
    {
        var (model, names, words, seconds) = BadWhisper(kind);
        var output = FreshOutput("embed.npy");
        var r = RunChild("embed", "--model", model, "--seconds", seconds, "--out", output, Fixtures.Input("chirp_1p2s.wav"));
        AssertOneLineError(r, [names, .. words]);
        AssertNothingWritten(output);
    }

    public static TheoryData<string> BundleKinds() =>
    [
        "labels.json with 5 labels for a 4-way head", "labels.json in another order", "labels.json missing", "labels.json not JSON",
        "labels.json not a list", "config seconds out of range", "config head hidden that disagrees with the weights", "config format wrong",
    ];

    /// <summary>A broken copy of the tiny trained bundle: (model folder, file the error names, words).</summary>
    private (string Folder, string Names, string[] Words) BadBundle(string kind)
    {
        var folder = _dir.File("bundle-" + kind.Replace(' ', '-'));
        Directory.CreateDirectory(folder);
        foreach (var f in Directory.GetFiles(bundle.Folder)) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        string config = Path.Combine(folder, "config.json"), labels = Path.Combine(folder, "labels.json");
        void EditConfig(Action<JsonObject> edit) => EditJson(config, edit);
        switch (kind)
        {
            case "labels.json with 5 labels for a 4-way head":
                File.WriteAllText(labels, "[\"angry\", \"happy\", \"neutral\", \"sad\", \"calm\"]");
                return (folder, labels, ["5 labels", "4 outputs"]);
            case "labels.json in another order": File.WriteAllText(labels, "[\"sad\", \"happy\", \"neutral\", \"angry\"]"); return (folder, labels, ["differ"]);
            case "labels.json missing": File.Delete(labels); return (folder, labels, ["not found"]);
            case "labels.json not JSON": File.WriteAllText(labels, "angry, happy"); return (folder, labels, ["not valid JSON"]);
            case "labels.json not a list": File.WriteAllText(labels, "{\"0\": \"angry\"}"); return (folder, labels, ["not a JSON list"]);
            case "config seconds out of range": EditConfig(c => c["seconds"] = 1000); return (folder, config, ["seconds 1000"]);
            case "config head hidden that disagrees with the weights": EditConfig(c => c["head"]!["hidden"] = 1 << 28); return (folder, config, ["head hidden 268435456", "head.fc1.weight"]);
            case "config format wrong": EditConfig(c => c["format"] = 3); return (folder, config, ["not an Emolingua model"]);
            default: throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(BundleKinds))]
    public void Predict_RefusesBadModelFolder(string kind)
    {
        var (folder, names, words) = BadBundle(kind);
        var audio = _dir.File("clip.wav");
        TestWav.WritePcm16Mono(audio, TestWav.Voiced(1, 16000), 16000);
        AssertOneLineError(RunChild("predict", "--model", folder, audio), [names, .. words]);
    }

    /// <summary>The library door for samples in memory refuses what AudioFile.Read refuses for files.</summary>
    [Fact]
    public void EmotionRecognizer_RefusesNonFiniteSamples()
    {
        using var recognizer = Emolingua.Inference.EmotionRecognizer.Load(bundle.Folder);
        var samples = Tone(16000);
        samples[123] = float.PositiveInfinity;
        var e = Assert.Throws<Emolingua.Util.EmolinguaException>(() => recognizer.Predict(samples, 16000));
        Assert.Equal("samples: sample 123 is +infinity", e.Message);
    }

    // ---------------------------------------------------------------- recipes and --set

    /// <summary>A recipe for the tiny corpora, as TrainingRunTests use it, with <paramref name="edit"/> applied.</summary>
    private string RecipeFile(string name, Action<JsonObject>? edit = null)
    {
        var node = JsonNode.Parse(Training.TinyCorpora.RecipeJson("baseline"))!.AsObject();
        edit?.Invoke(node);
        var path = _dir.File(name);
        File.WriteAllText(path, node.ToJsonString(new() { WriteIndented = true }));
        return path;
    }

    public static TheoryData<string> RecipeKinds() =>
    [
        "recipe missing", "recipe not JSON", "recipe a JSON list", "misspelt key", "key in the wrong section", "value of the wrong type",
        "learning_rate -1", "learning_rate 0", "learning_rate infinite (--set 1e999)", "learning_rate NaN (--set)", "weight_decay negative",
        "batch_size 0", "batch_size beyond one array", "dropout 1.5", "model.seconds 0", "unknown method", "unknown corpus kind in data",
        "model.dims d_model not divisible by heads", "--set misspelt key", "--set without =", "--set wrong type", "--set inside a number",
        "--set inside a list", "missing data root", "--data folder missing", "eval_batch 0",
    ];

    /// <summary>(train arguments after the recipe, the recipe path, words of the error; the error must also name the recipe or option).</summary>
    private (string Recipe, string[] Extra, string[] Words) BadRecipe(string kind)
    {
        var data = _dir.File("data");
        Directory.CreateDirectory(data);
        string[] withData = ["--data", data];
        switch (kind)
        {
            case "recipe missing": return (_dir.File("nope.json"), withData, ["recipe not found"]);
            case "recipe not JSON": return (Write("bad.json", "{ \"name\": \"x\", "u8.ToArray()), withData, ["not valid JSON"]);
            case "recipe a JSON list": return (Write("list.json", "[1, 2]"u8.ToArray()), withData, ["top level", "not an object"]);
            case "misspelt key": return (RecipeFile("typo.json", r => r["training"]!["learning_rat"] = 0.1), withData, ["training.learning_rat", "did you mean 'training.learning_rate'"]);
            case "key in the wrong section": return (RecipeFile("section.json", r => r["learning_rate"] = 0.1), withData, ["'learning_rate'", "did you mean 'training.learning_rate'"]);
            case "value of the wrong type": return (RecipeFile("type.json", r => r["training"]!["batch_size"] = "big"), withData, ["training.batch_size", "\"big\" is not an integer"]);
            case "learning_rate -1": return (RecipeFile("lr.json", r => r["training"]!["learning_rate"] = -1), withData, ["training.learning_rate -1"]);
            case "learning_rate 0": return (RecipeFile("lr0.json"), [.. withData, "--set", "training.learning_rate=0"], ["training.learning_rate 0"]);
            case "learning_rate infinite (--set 1e999)": return (RecipeFile("lrinf.json"), [.. withData, "--set", "training.learning_rate=1e999"], ["training.learning_rate", "finite"]);
            case "learning_rate NaN (--set)": return (RecipeFile("lrnan.json"), [.. withData, "--set", "training.learning_rate=NaN"], ["--set", "training.learning_rate: \"NaN\" is not a number"]);
            case "weight_decay negative": return (RecipeFile("wd.json", r => r["training"]!["weight_decay"] = -0.5), withData, ["training.weight_decay -0.5"]);
            case "batch_size 0": return (RecipeFile("b0.json", r => r["training"]!["batch_size"] = 0), withData, ["training.batch_size 0"]);
            case "batch_size beyond one array": return (RecipeFile("bbig.json", r => r["training"]!["batch_size"] = 1_000_000), withData, ["training.batch_size 1000000", "array"]);
            case "dropout 1.5": return (RecipeFile("drop.json", r => r["model"]!["dropout"] = 1.5), withData, ["model.dropout 1.5"]);
            case "model.seconds 0": return (RecipeFile("sec.json", r => r["model"]!["seconds"] = 0), withData, ["model.seconds 0"]);
            case "unknown method": return (RecipeFile("method.json", r => r["method"] = "bayol"), withData, ["method 'bayol'", "did you mean 'byol'"]);
            case "unknown corpus kind in data": return (RecipeFile("kind.json", r => r["data"]!["english"]![0]!["kind"] = "iemocapp"), withData, ["data.english[0].kind", "did you mean 'iemocap'"]);
            case "model.dims d_model not divisible by heads": return (RecipeFile("dims.json", r => r["model"]!["dims"]!["encoder_attention_heads"] = 5), withData, ["model.dims", "not a multiple"]);
            case "--set misspelt key": return (RecipeFile("s1.json"), [.. withData, "--set", "training.bach_size=4"], ["--set", "training.bach_size", "did you mean 'training.batch_size'"]);
            case "--set without =": return (RecipeFile("s2.json"), [.. withData, "--set", "training.batch_size"], ["--set 'training.batch_size'", "key=value"]);
            case "--set wrong type": return (RecipeFile("s3.json"), [.. withData, "--set", "training.max_epochs=2.5"], ["--set", "training.max_epochs: 2.5 is not an integer"]);
            case "--set inside a number": return (RecipeFile("s4.json"), [.. withData, "--set", "model.seconds.x=1"], ["--set", "model.seconds", "no key 'x'"]);
            case "--set inside a list": return (RecipeFile("s5.json"), [.. withData, "--set", "data.english.root=x"], ["--set", "data.english", "whole list"]);
            case "missing data root": return (RecipeFile("root.json"), withData, [Path.Combine(data, "english.csv"), "no such manifest"]);
            case "--data folder missing": return (RecipeFile("nodata.json"), ["--data", _dir.File("no-data")], ["--data folder not found"]);
            case "eval_batch 0": return (RecipeFile("eb.json", r => r["training"]!["eval_batch"] = 0), withData, ["training.eval_batch 0"]);
            default: throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(RecipeKinds))]
    public void Train_RefusesBadRecipe(string kind)
    {
        var (recipe, extra, words) = BadRecipe(kind);
        var runDir = FreshOutput("run");
        var r = RunChild(["train", recipe, "--out", runDir, .. extra]);
        AssertOneLineError(r, words);
        Assert.True(r.Err.Contains(recipe) || r.Err.Contains("--set") || r.Err.Contains("--data") || r.Err.Contains(_dir.File("data")),
            $"the error names neither the recipe nor the option: {r.Err}");
        AssertNothingWritten(runDir);
    }

    // ---------------------------------------------------------------- corpus folders, label files, manifests

    public static TheoryData<string> CorpusKinds() =>
    [
        "unknown kind", "root missing", "emodb without wav/", "manifest without a path column", "manifest whose lines are all unreadable",
        "manifest that is a folder", "MSP-Podcast labels without EmoClass", "Common Voice TSV without client_id",
        "IEMOCAP evaluation file without evaluation lines",
    ];

    private (string Kind, string Root, string Names, string[] Words) BadCorpus(string kind)
    {
        var root = _dir.File("corpus-" + kind.Replace(' ', '-').Replace('/', '_'));
        Directory.CreateDirectory(root);
        string Text(string relative, string text)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return path;
        }
        switch (kind)
        {
            case "unknown kind": return ("emodbb", root, "emodbb", ["unknown corpus kind", "did you mean 'emodb'"]);
            case "root missing": return ("ravdess", Path.Combine(root, "nope"), Path.Combine(root, "nope"), ["no such folder"]);
            case "emodb without wav/": return ("emodb", root, root, ["no wav/ folder"]);
            case "manifest without a path column": var m1 = Text("m.csv", "file,label\na.wav,angry\n"); return ("manifest", m1, m1, ["no 'path' column"]);
            case "manifest whose lines are all unreadable":
                var m2 = Text("m.jsonl", "[{\"path\": \"a.wav\", \"label\": \"angry\"}]\n[{\"path\": \"b.wav\"}]\n");
                return ("manifest", m2, m2, ["no row", "row 1"]);
            case "manifest that is a folder": return ("manifest", root, root, ["is a folder"]);
            case "MSP-Podcast labels without EmoClass":
                Directory.CreateDirectory(Path.Combine(root, "Audios"));
                var labels = Text("Labels/labels_consensus.csv", "FileName,Emotion,Split_Set\nx.wav,A,Train\n");
                return ("msp-podcast", root, labels, ["EmoClass"]);
            case "Common Voice TSV without client_id":
                Directory.CreateDirectory(Path.Combine(root, "clips"));
                foreach (var split in new[] { "dev", "test" }) Text(split + ".tsv", "client_id\tpath\tsentence\n");
                var train = Text("train.tsv", "speaker\tpath\tsentence\nabc\tx.mp3\thello\n");
                return ("commonvoice", root, train, ["client_id"]);
            case "IEMOCAP evaluation file without evaluation lines":
                Directory.CreateDirectory(Path.Combine(root, "Session1", "sentences", "wav"));
                var eval = Text("Session1/dialog/EmoEvaluation/Ses01F_impro01.txt", "this is not\nan evaluation file\n");
                return ("iemocap", root, eval, ["no evaluation lines"]);
            default: throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(CorpusKinds))]
    public void Corpus_RefusesBadFolder(string kind)
    {
        var (corpusKind, root, names, words) = BadCorpus(kind);
        var manifest = FreshOutput("kept.csv");
        AssertOneLineError(RunChild("corpus", corpusKind, root, "--json", "--manifest", manifest), [names, .. words]);
        AssertNothingWritten(manifest);
    }

    /// <summary>One bad line in a good manifest is skipped and counted, never carried as NaN into the report.</summary>
    [Fact]
    public void Corpus_ManifestDurationNaN_IsSkippedAndNothingNonFiniteIsPrinted()
    {
        var folder = _dir.File("nan-manifest");
        Directory.CreateDirectory(folder);
        TestWav.WritePcm16Mono(Path.Combine(folder, "a.wav"), TestWav.Voiced(1, 16000), 16000);
        TestWav.WritePcm16Mono(Path.Combine(folder, "b.wav"), TestWav.Voiced(2, 16000), 16000);
        var manifest = Path.Combine(folder, "m.csv");
        File.WriteAllText(manifest, "path,label,speaker,duration\na.wav,angry,s1,NaN\nb.wav,sad,s2,\n");
        var kept = Path.Combine(folder, "kept.csv");
        var r = RunChild("corpus", "manifest", manifest, "--json", "--manifest", kept);
        Assert.Equal(0, r.ExitCode);
        var report = JsonNode.Parse(r.Out)!;
        Assert.Equal(1, report["utterances"]!.GetValue<int>()); // b.wav, its duration read from the header
        Assert.Equal(1, report["skipped"]![Emolingua.Corpora.SkipReasons.InvalidDuration]!.GetValue<int>());
        var rows = File.ReadAllLines(kept);
        Assert.Equal(2, rows.Length);
        Assert.EndsWith(",2", rows[1]); // the duration column: 2 s
        var table = RunChild("corpus", "manifest", manifest);
        Assert.Equal(0, table.ExitCode);
        foreach (var output in new[] { r.Out, File.ReadAllText(kept), table.Out })
        {
            Assert.DoesNotContain("NaN", output);
            Assert.DoesNotContain("Infinity", output);
            Assert.DoesNotContain("∞", output);
        }
    }
}
