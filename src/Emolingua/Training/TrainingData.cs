using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Training;

/// <summary>
/// The utterances a run trains and validates on, split by the recipe's fold k:
/// English: validation = IEMOCAP session k / MSP-Podcast dev, training = the other sessions / MSP train;
/// target corpora: test = fold k (never loaded for training), training folds = the rest (labels ignored);
/// Common Voice: train split for training, dev split for contrastive validation.
/// </summary>
public sealed class TrainingData
{
    public List<Utterance> EnglishTrain { get; } = new();
    public List<Utterance> EnglishValidation { get; } = new();
    public List<Utterance> UnlabeledTrain { get; } = new();
    public List<Utterance> UnlabeledValidation { get; } = new();
    public List<string> Notes { get; } = new();

    public static string ResolveRoot(string root, string? dataDir) =>
        Path.IsPathRooted(root) ? root : Path.GetFullPath(Path.Combine(dataDir ?? ".", root));

    public static TrainingData Load(Recipe recipe, string? dataDir, bool needEnglish = true, bool needUnlabeled = true)
    {
        var d = recipe.Data;
        var data = new TrainingData();
        if (needEnglish)
        {
            foreach (var c in d.English)
            {
                var corpus = Open(c, dataDir);
                if (corpus == null)
                    continue;
                var (train, held) = Folds.SplitByFold(corpus, d.Fold, d.Folds, d.FoldSeed);
                data.EnglishTrain.AddRange(train);
                data.EnglishValidation.AddRange(held);
                data.Notes.Add($"{corpus.Kind}: {train.Count} train, {held.Count} validation (fold {d.Fold})");
            }
        }

        if (needEnglish && data.EnglishTrain.Count == 0)
        {
            throw new EmolinguaException(
                $"recipe '{recipe.Name}': no English training utterances found (data.english under {dataDir ?? "."})"
            );
        }

        if (needUnlabeled)
        {
            if (d.Unlabeled == UnlabeledSource.CommonVoice)
            {
                foreach (var c in d.CommonVoice)
                {
                    var corpus = Open(c, dataDir);
                    if (corpus == null)
                        continue;
                    var all = Corpus.Load(corpus);
                    var train = all.Where(u => u.Session == "train").ToList();
                    var dev = all.Where(u => u.Session == "dev").ToList();
                    data.UnlabeledTrain.AddRange(train);
                    data.UnlabeledValidation.AddRange(dev);
                    data.Notes.Add(
                        $"{corpus.Kind} {corpus.Language}: {train.Count} train, {dev.Count} dev (unlabeled)"
                    );
                }
            }
            else
            {
                foreach (var c in d.Target)
                {
                    var corpus = Open(c, dataDir);
                    if (corpus == null)
                        continue;
                    var (train, test) = Folds.SplitByFold(corpus, d.Fold, d.Folds, d.FoldSeed);
                    // Labels dropped: the unlabeled source must not leak emotion labels of the target language.
                    data.UnlabeledTrain.AddRange(train.Select(u => u with { Label = null }));
                    data.Notes.Add(
                        $"{corpus.Kind}: {train.Count} utterances of folds other than {d.Fold} (labels ignored); {test.Count} test utterances unseen"
                    );
                }
            }
            if (data.UnlabeledTrain.Count == 0)
            {
                throw new EmolinguaException(
                    $"recipe '{recipe.Name}': no unlabeled low-resource utterances found (data.unlabeled = {d.Unlabeled})"
                );
            }
        }
        return data;
    }

    private static ICorpus? Open(Recipe.CorpusRef c, string? dataDir)
    {
        var root = ResolveRoot(c.Root, dataDir);
        if (c.Optional && !Directory.Exists(root) && !File.Exists(root))
            return null;
        return Corpus.Open(c.Kind, root);
    }
}
