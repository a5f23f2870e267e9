using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Training.FewShot;

/// <summary>Window embeddings of some clips: row i belongs to clip <see cref="Clips"/>[i].</summary>
public sealed record WindowEmbeddings(float[][] Embeddings, int[] Clips)
{
    /// <summary>Embeds every S-second window of the clips (<see cref="AudioWindows"/>) with
    /// <paramref name="embed"/>.</summary>
    public static WindowEmbeddings Of(
        IReadOnlyList<float[]> clips,
        double seconds,
        Func<IReadOnlyList<float[]>, float[][]> embed
    )
    {
        var windows = AudioWindows.Plan(clips, WhisperAudio.SamplesFor(seconds));
        var rows = embed(windows.Select(w => w.Samples).ToList());
        return new WindowEmbeddings(rows, windows.Select(w => w.Clip).ToArray());
    }
}

/// <summary>
/// <c>./emolingua adapt</c>: adapts a trained model to a user's labelled clips with k shots per class (drawn from
/// the corpus's training folds of --fold, or from the whole corpus) and writes a normal model folder, OUT/model, with
/// OUT/adaptation.json recording the source model, the corpus, the mode and every shot.
/// </summary>
public static class Adaptation
{
    public sealed record Options(
        string Model,
        ICorpus Corpus,
        int Shots,
        int? Fold,
        string OutDir,
        Device Device,
        AdaptationMode Mode = AdaptationMode.Head,
        int Folds = Corpora.Folds.DefaultK,
        int FoldSeed = Corpora.Folds.DefaultSeed,
        int Seed = 0,
        HeadOptions? Head = null,
        int FullSteps = 100,
        Action<string>? Log = null
    );

    public static AdaptationRecord Run(Options o)
    {
        var log = o.Log ?? (m => Console.Error.WriteLine(m));
        if (o.Shots < 1)
            throw new EmolinguaException($"adapt: --shots {o.Shots} must be at least 1");
        var modelDir = ModelBundle.Locate(o.Model);
        var info = ModelBundle.ReadInfo(modelDir);
        var outDir = Path.GetFullPath(o.OutDir);
        if (File.Exists(Path.Combine(outDir, "model", "config.json")))
            throw new EmolinguaException(outDir, "already holds an adapted model; choose another --out");
        Recipe? recipe = null;
        if (o.Mode == AdaptationMode.Full)
        {
            var recipePath = Path.Combine(Path.GetDirectoryName(modelDir)!, "recipe.json");
            if (!File.Exists(recipePath))
            {
                throw new EmolinguaException(
                    o.Model,
                    "--mode full needs the training run folder (its recipe.json gives the optimiser); give the run folder, not model/"
                );
            }

            recipe = Recipe.Load(recipePath);
        }
        if (!o.Corpus.Labeled)
            throw new EmolinguaException(o.Corpus.Root, $"{o.Corpus.Kind} has no emotion labels to adapt to");

        var pool = FewShotDraws.Pool(o.Corpus, o.Fold, o.Folds, o.FoldSeed);
        var missing = Emotions.All.Where(e => pool.All(u => u.Label != e)).Select(e => e.Name()).ToList();
        if (missing.Count > 0)
        {
            throw new EmolinguaException(
                o.Corpus.Root,
                $"no labelled {string.Join(", ", missing)} clips{(o.Fold is { } f ? $" outside test fold {f}" : "")} to adapt with"
            );
        }

        var shots = FewShotDraws.Draw(pool, o.Shots, o.Seed, o.Corpus.Kind, o.Fold ?? 0, draw: 0);
        foreach (var c in FewShotDraws.ShortClasses(pool, o.Shots))
            log($"adapt: fewer than {o.Shots} '{c}' clips available; using all of them");
        log(
            $"adapt: {shots.Count} clips ({o.Shots} per class) from {pool.Count} labelled clips of {o.Corpus.Kind}{(o.Fold is { } k ? $" outside test fold {k}" : "")}; mode {o.Mode.Name()}"
        );

        var store = new WaveformStore(WhisperAudio.SampleRate);
        Directory.CreateDirectory(outDir);
        if (o.Mode == AdaptationMode.Head)
        {
            using var model = ModelBundle.Load(modelDir, o.Device);
            var clips = shots.Select(u => store.Get(u.Path)).ToList();
            var windows = WindowEmbeddings.Of(clips, info.Seconds, w =>
                model.ClassifyWindows(w, 32, embeddings: true).Embeddings!
            );
            var labels = windows.Clips.Select(c => (int)shots[c].Label!.Value).ToArray();
            using var head = HeadAdaptation.Adapt(
                model.head,
                new ShotEmbeddings(windows.Embeddings, labels, windows.Clips),
                o.Head ?? new HeadOptions(),
                o.Seed
            );
            using (no_grad())
            {
                var adapted = head.state_dict();
                foreach (var (name, t) in model.head.state_dict())
                    t.copy_(adapted[name]);
            }
            ModelBundle.Save(
                Path.Combine(outDir, "model"),
                model,
                info.Seconds,
                info.Method,
                JsonSerializer.SerializeToNode(Provenance(o, modelDir, shots), Json.Indented)!.AsObject()
            );
        }
        else
        {
            FullAdaptation.Run(modelDir, recipe!, shots, o.FullSteps, o.Seed, outDir, o.Device, store, log);
        }
        var record = Provenance(o, modelDir, shots) with
        {
            ShotIds = shots.Select(u => u.Id).ToList(),
            ShotPaths = shots.Select(u => u.Path).ToList(),
        };
        Json.Save(Path.Combine(outDir, "adaptation.json"), record);
        return record;
    }

    private static AdaptationRecord Provenance(Options o, string modelDir, IReadOnlyList<Utterance> shots) =>
        new(
            Path.GetFullPath(modelDir),
            o.Mode,
            o.Corpus.Kind,
            o.Corpus.Root,
            o.Fold,
            o.Shots,
            shots.Count,
            o.Seed,
            o.Mode == AdaptationMode.Head ? o.Head ?? new HeadOptions() : null,
            o.Mode == AdaptationMode.Full ? o.FullSteps : null
        );
}

/// <summary>
/// adaptation.json (and the adapted model's provenance, without the shot lists): the source model, the corpus, the mode
/// with its settings, and every shot. Null values are written: a key is always present.
/// </summary>
public sealed record AdaptationRecord(
    string AdaptedFrom,
    AdaptationMode Mode,
    string Corpus,
    string CorpusRoot,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Fold,
    int ShotsPerClass,
    int Clips,
    int Seed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] HeadOptions? Head,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? FullSteps
)
{
    public List<string>? ShotIds { get; init; }
    public List<string>? ShotPaths { get; init; }
}
