using Emolingua.Audio;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Scoring;
using Emolingua.Util;

namespace Emolingua.Inference;

/// <summary>
/// How an exported model (INT8 above all) agrees with the float32 model it came from on clips the user names: the
/// fraction of clips given the same label, and, where the corpus is labelled, both models' macro F1. A user decides
/// from these numbers whether the smaller, faster graph is good enough.
/// </summary>
public static class ExportCheck
{
    public sealed record Report(
        int Clips,
        int Agreeing,
        int Labelled,
        double? MacroF1Reference,
        double? MacroF1Candidate
    )
    {
        public double Agreement => Clips == 0 ? 0 : (double)Agreeing / Clips;
    }

    /// <param name="reference">The float32 model (TorchSharp).</param>
    /// <param name="candidate">The exported graph.</param>
    /// <param name="progress">Told (clips done, clips) after every batch.</param>
    public static Report Compare(
        EmotionRecognizer reference,
        EmotionRecognizer candidate,
        IReadOnlyList<Utterance> utterances,
        int batchSize = 16,
        Action<int, int>? progress = null
    )
    {
        if (!reference.Labels.SequenceEqual(candidate.Labels))
            throw new EmolinguaException("export check: the two models have different labels");
        var truth = new List<int>();
        var referencePredictions = new List<int>();
        var candidatePredictions = new List<int>();
        var agreeing = 0;
        for (var start = 0; start < utterances.Count; start += batchSize)
        {
            var batch = utterances.Skip(start).Take(batchSize).ToList();
            var clips = batch.Select(u => AudioFile.Read(u.Path, WhisperAudio.SampleRate).Samples).ToList();
            foreach (var (u, c) in batch.Zip(clips))
            {
                if (c.Length == 0)
                    throw new EmolinguaException(u.Path, "empty audio (no samples)");
            }

            var a = reference.PredictClips(clips);
            var b = candidate.PredictClips(clips);
            for (var i = 0; i < batch.Count; i++)
            {
                if (a[i].Label == b[i].Label)
                    agreeing++;
                if (batch[i].Label is not { } label || IndexOf(reference.Labels, label.Name()) is var t && t < 0)
                    continue;
                truth.Add(t);
                referencePredictions.Add(IndexOf(reference.Labels, a[i].Label));
                candidatePredictions.Add(IndexOf(reference.Labels, b[i].Label));
            }
            progress?.Invoke(Math.Min(start + batchSize, utterances.Count), utterances.Count);
        }
        var classes = reference.Labels.Count;
        return truth.Count == 0
            ? new Report(utterances.Count, agreeing, 0, null, null)
            : new Report(
                utterances.Count,
                agreeing,
                truth.Count,
                Metrics.MacroF1(truth.ToArray(), referencePredictions.ToArray(), classes),
                Metrics.MacroF1(truth.ToArray(), candidatePredictions.ToArray(), classes)
            );
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
                return i;
        }

        return -1; // a label outside the model's (never predicted): counts as wrong
    }
}
