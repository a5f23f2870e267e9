using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Emolingua.Util;

namespace Emolingua.Training;

/// <summary>
/// Everything a training run needs, read from a recipe JSON (snake_case keys; unknown keys are errors so that a
/// typo cannot silently fall back to a default). <c>--set a.b=value</c> edits the JSON before it is bound.
/// </summary>
public sealed class Recipe
{
    public string Name { get; set; } = "";
    public TrainingMethod Method { get; set; } = TrainingMethod.Baseline;
    public int Seed { get; set; }
    public ModelSection Model { get; set; } = new();
    public DataSection Data { get; set; } = new();
    public TrainingSection Training { get; set; } = new();
    public AugmentSection Augment { get; set; } = new();
    public ContrastiveSection Contrastive { get; set; } = new();
    public ByolSection Byol { get; set; } = new();

    /// <summary>Where each hyper-parameter comes from (a sentence of the paper, or "ours: why"). Free text.</summary>
    public Dictionary<string, string> Sources { get; set; } = new();

    public sealed class ModelSection
    {
        /// <summary>Hugging Face folder, .safetensors file or hub id; null = random initialisation of
        /// <see cref="Size"/>/<see cref="Dims"/>.</summary>
        public string? Whisper { get; set; }

        /// <summary>tiny, base, small, ... for random initialisation when no weights are given.</summary>
        public string? Size { get; set; }

        /// <summary>Explicit encoder dimensions for random initialisation (the demo's tiny Whisper-shaped
        /// encoder).</summary>
        public DimsSection? Dims { get; set; }

        /// <summary>Window in seconds; the positional embedding is cropped to 50·S rows.</summary>
        public double Seconds { get; set; } = 4;
        public bool FreezeFrontEnd { get; set; } = true;
        public int HeadHidden { get; set; } = 256;
        public double Dropout { get; set; } = 0.1;
    }

    public sealed class DimsSection
    {
        public int DModel { get; set; } = 384;
        public int EncoderLayers { get; set; } = 4;
        public int EncoderAttentionHeads { get; set; } = 6;
        public int EncoderFfnDim { get; set; } = 1536;
        public int NumMelBins { get; set; } = 80;
    }

    public sealed class CorpusRef
    {
        public string Kind { get; set; } = "";

        /// <summary>Relative to --data (or the working folder), or absolute.</summary>
        public string Root { get; set; } = "";

        /// <summary>Skip silently when the folder is absent (e.g. MSP-Podcast in the demo).</summary>
        public bool Optional { get; set; }
    }

    public sealed class DataSection
    {
        /// <summary>Labelled English corpora (IEMOCAP, MSP-Podcast).</summary>
        public List<CorpusRef> English { get; set; } = new();

        /// <summary>The low-resource corpora this run adapts to (BYOL, or CL with unlabeled = "target"); their test
        /// fold is never seen.</summary>
        public List<CorpusRef> Target { get; set; } = new();

        /// <summary>Common Voice locale folders for unlabeled = "commonvoice".</summary>
        public List<CorpusRef> CommonVoice { get; set; } = new();

        /// <summary>The unlabeled low-resource source of CL stage 1 and BYOL.</summary>
        public UnlabeledSource Unlabeled { get; set; } = UnlabeledSource.CommonVoice;

        /// <summary>Fold 1..K: English validation session/fold and the target corpora's test fold.</summary>
        public int Fold { get; set; } = 1;
        public int Folds { get; set; } = 5;
        public int FoldSeed { get; set; }

        /// <summary>Optional folder for decoded 16 kHz waveforms (reused across runs).</summary>
        public string? Cache { get; set; }
    }

    public sealed class TrainingSection
    {
        public int BatchSize { get; set; } = 64;
        public double LearningRate { get; set; } = 1e-5;
        public double WeightDecay { get; set; } = 0.01;
        public int StepsPerEpoch { get; set; } = 100;
        public int MaxEpochs { get; set; } = 50;

        /// <summary>Early stopping: epochs without improvement of <see cref="Metric"/> on validation.</summary>
        public int Patience { get; set; } = 5;
        public ValidationMetric Metric { get; set; } = ValidationMetric.Uar;
        public int LogEvery { get; set; } = 10;
        public int Prefetch { get; set; } = 3;
        public int EvalBatch { get; set; } = 32;

        /// <summary>libtorch CPU threads for the run; null = libtorch's default (every core). Results depend on it, and
        /// <c>experiment --slurm</c> asks for this many CPUs per task.</summary>
        public int? Threads { get; set; }

        /// <summary>fp32 (null, the default) or bf16 (refused unless the CPU has native bfloat16; see
        /// Util.Precisions).</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public Precision? Precision { get; set; }
    }

    public sealed class AugmentSection
    {
        /// <summary>Apply the CL/baseline waveform + spectrogram augmentations to supervised batches.</summary>
        public bool Supervised { get; set; } = true;
    }

    public sealed class ContrastiveSection
    {
        public int Speakers { get; set; } = 16;
        public int UtterancesPerSpeaker { get; set; } = 4;
        public double Temperature { get; set; } = 0.07;
        public ContrastiveLoss Loss { get; set; } = ContrastiveLoss.Ntxent;
        public int Stage1MaxEpochs { get; set; } = 20;
        public int Stage1Patience { get; set; } = 3;
        public double Stage1LearningRate { get; set; } = 1e-5;
    }

    public sealed class ByolSection
    {
        public double LambdaStart { get; set; } = 0.8;
        public double LambdaEnd { get; set; } = 0.2;

        /// <summary>constant (BYOL-A, lucidrains) or cosine (BYOL paper: τ rises from tau to 1).</summary>
        public EmaCurve EmaSchedule { get; set; } = EmaCurve.Constant;
        public double EmaTau { get; set; } = 0.99;
        public int ProjectorHidden { get; set; } = 4096;
        public int ProjectionDim { get; set; } = 256;

        /// <summary>Unlabeled low-resource utterances per step (the labelled English batch is
        /// training.batch_size).</summary>
        public int UnlabeledBatch { get; set; } = 64;
        public int MixupMemory { get; set; } = 2048;
    }

    /// <summary>Reads a recipe file and applies <paramref name="overrides"/> before binding it.</summary>
    public static Recipe Load(string path, IEnumerable<RecipeOverride>? overrides = null)
    {
        if (!File.Exists(path))
            throw new EmolinguaException(path, "recipe not found");
        JsonNode node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: JsonInput.Recipe) ?? new JsonObject();
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, $"not valid JSON: {e.Message}");
        }
        return FromJson(node, path, overrides);
    }

    public static Recipe FromJson(JsonNode node, string source, IEnumerable<RecipeOverride>? overrides = null)
    {
        foreach (var o in overrides ?? [])
        {
            StrictJson.CheckOverride(typeof(Recipe), Json.SnakeCase, string.Join('.', o.Path), o.Value, "--set");
            o.ApplyTo(node);
        }
        var recipe = StrictJson.Bind<Recipe>(node, Json.SnakeCase, source);
        recipe.Validate(source);
        return recipe;
    }

    public void Validate(string source)
    {
        if (Model.Whisper == null && Model.Size == null && Model.Dims == null)
            throw new EmolinguaException(source, "model: give whisper (weights), size or dims");
        if (!(Model.Seconds >= 0.02 && Model.Seconds <= 30))
            throw new EmolinguaException(source, $"model.seconds {Format(Model.Seconds)} must be in [0.02, 30]");
        if (Features.WhisperAudio.FramesFor(Model.Seconds) % 2 != 0)
        {
            throw new EmolinguaException(
                source,
                $"model.seconds {Model.Seconds} gives {Features.WhisperAudio.FramesFor(Model.Seconds)} log-mel frames; the encoder's stride-2 convolution needs an even number (use a multiple of 0.02 s)"
            );
        }

        if (Model.Dims is { } d)
        {
            new Models.WhisperConfig(
                d.DModel,
                d.EncoderLayers,
                d.EncoderAttentionHeads,
                d.EncoderFfnDim,
                d.NumMelBins
            ).Validate(source + ": model.dims");
        }
        else if (Model.Whisper == null)
        {
            try
            {
                Models.WhisperConfig.ForSize(Model.Size!);
            }
            catch (EmolinguaException e)
            {
                throw new EmolinguaException(source, "model.size: " + e.Message);
            }
        }
        AtLeast(source, "model.head_hidden", Model.HeadHidden, 1);
        if (!(Model.Dropout >= 0 && Model.Dropout < 1))
            throw new EmolinguaException(source, $"model.dropout {Format(Model.Dropout)} must be in [0, 1)");

        var t = Training;
        AtLeast(source, "training.batch_size", t.BatchSize, 1);
        AtLeast(source, "training.steps_per_epoch", t.StepsPerEpoch, 1);
        AtLeast(source, "training.max_epochs", t.MaxEpochs, 1);
        AtLeast(source, "training.patience", t.Patience, 1);
        AtLeast(source, "training.log_every", t.LogEvery, 1);
        AtLeast(source, "training.prefetch", t.Prefetch, 1);
        AtLeast(source, "training.eval_batch", t.EvalBatch, 1);
        Positive(source, "training.learning_rate", t.LearningRate);
        if (!(t.WeightDecay >= 0 && double.IsFinite(t.WeightDecay)))
        {
            throw new EmolinguaException(
                source,
                $"training.weight_decay {Format(t.WeightDecay)} must be a finite number ≥ 0"
            );
        }
        // A batch of windows is one float array: B × S·16000 samples must fit in it.
        var batchSamples =
            (long)Math.Max(t.BatchSize, Method == TrainingMethod.Byol ? Byol.UnlabeledBatch : 0)
            * Features.WhisperAudio.SamplesFor(Model.Seconds);
        if (batchSamples > Array.MaxLength)
        {
            throw new EmolinguaException(
                source,
                $"training.batch_size {t.BatchSize} of {Model.Seconds} s windows is {batchSamples} samples, more than one array holds ({Array.MaxLength})"
            );
        }

        if (t.Threads is < 1)
        {
            throw new EmolinguaException(
                source,
                $"training.threads {t.Threads} must be at least 1 (or null for libtorch's default)"
            );
        }

        if (Data.English.Count == 0)
            throw new EmolinguaException(source, "data.english: at least one labelled English corpus");
        foreach (
            var (list, name) in new[]
            {
                (Data.English, "english"),
                (Data.Target, "target"),
                (Data.CommonVoice, "common_voice"),
            }
        )
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (!Corpora.Corpus.IsKind(list[i].Kind))
                {
                    throw new EmolinguaException(
                        source,
                        $"data.{name}[{i}].kind: {Corpora.Corpus.UnknownKind(list[i].Kind)}"
                    );
                }

                if (string.IsNullOrWhiteSpace(list[i].Root))
                    throw new EmolinguaException(source, $"data.{name}[{i}].root is empty");
            }
        }

        AtLeast(source, "data.folds", Data.Folds, 2);
        if (Data.Fold < 1 || Data.Fold > Data.Folds)
            throw new EmolinguaException(source, $"data.fold {Data.Fold} outside 1..{Data.Folds}");

        var c = Contrastive;
        if (Method == TrainingMethod.Contrastive)
        {
            AtLeast(source, "contrastive.speakers", c.Speakers, 2); // negatives come from other speakers
            AtLeast(source, "contrastive.utterances_per_speaker", c.UtterancesPerSpeaker, 1);
            AtLeast(source, "contrastive.stage1_max_epochs", c.Stage1MaxEpochs, 1);
            AtLeast(source, "contrastive.stage1_patience", c.Stage1Patience, 1);
            Positive(source, "contrastive.temperature", c.Temperature);
            Positive(source, "contrastive.stage1_learning_rate", c.Stage1LearningRate);
        }
        var b = Byol;
        if (Method == TrainingMethod.Byol)
        {
            foreach (
                var (name, value) in new[]
                {
                    ("byol.lambda_start", b.LambdaStart),
                    ("byol.lambda_end", b.LambdaEnd),
                    ("byol.ema_tau", b.EmaTau),
                }
            )
            {
                if (!(value >= 0 && value <= 1))
                    throw new EmolinguaException(source, $"{name} {Format(value)} must be in [0, 1]");
            }

            AtLeast(source, "byol.projector_hidden", b.ProjectorHidden, 1);
            AtLeast(source, "byol.projection_dim", b.ProjectionDim, 1);
            // BatchNorm in the projector needs two samples
            AtLeast(source, "byol.unlabeled_batch", b.UnlabeledBatch, 2);
            AtLeast(source, "byol.mixup_memory", b.MixupMemory, 1);
        }
    }

    private static void AtLeast(string source, string key, int value, int min)
    {
        if (value < min)
            throw new EmolinguaException(source, $"{key} {value} must be at least {min}");
    }

    private static void Positive(string source, string key, double value)
    {
        if (!(value > 0 && double.IsFinite(value)))
            throw new EmolinguaException(source, $"{key} {Format(value)} must be a finite number > 0");
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json.SnakeCase);

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>One edit of a recipe before it is bound: a dotted path into the recipe JSON and the JSON value to put
/// there.</summary>
public sealed record RecipeOverride(IReadOnlyList<string> Path, JsonNode? Value)
{
    public static RecipeOverride Of(string dottedPath, JsonNode? value) => new(dottedPath.Split('.'), value);

    /// <summary>Parses "a.b=value" (<c>--set</c>): the value as JSON when it is JSON, else as a string.</summary>
    public static RecipeOverride Parse(string assignment)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0)
            throw new EmolinguaException($"--set '{assignment}': expected key=value");
        var text = assignment[(eq + 1)..];
        JsonNode? value;
        try
        {
            value = JsonNode.Parse(text, documentOptions: JsonInput.Strict);
        }
        catch (JsonException)
        {
            value = JsonValue.Create(text);
        }
        return Of(assignment[..eq], value);
    }

    /// <summary>Sets the value in <paramref name="root"/>, creating the objects on the path that are missing.</summary>
    public void ApplyTo(JsonNode root)
    {
        var node = root;
        foreach (var key in Path.SkipLast(1))
        {
            if (node[key] is not JsonObject child)
            {
                child = new JsonObject();
                node[key] = child;
            }
            node = child;
        }
        node[Path[^1]] = Value?.DeepClone();
    }

    public override string ToString() => $"{string.Join('.', Path)}={Value?.ToJsonString() ?? "null"}";
}
