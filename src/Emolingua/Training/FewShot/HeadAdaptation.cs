using Emolingua.Models;
using Emolingua.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Training.FewShot;

/// <summary>Head-only adaptation settings: full-batch AdamW steps on the shots' frozen window embeddings.</summary>
public sealed record HeadOptions(int Steps = 100, double LearningRate = 1e-3, double WeightDecay = 0.01);

/// <summary>
/// Few-shot adaptation of the classification head alone: the encoder stays frozen, so each clip's windows are embedded
/// once (the time-mean the head reads) and a copy of the English-trained head is fine-tuned on them with AdamW, full
/// batch, dropout as in training (seeded per step). Each shot clip weighs the same whatever its number of windows,
/// and each class the same whatever its number of clips.
/// </summary>
public static class HeadAdaptation
{
    /// <param name="embeddings">[N][D] window embeddings of the shot clips</param>
    /// <param name="labels">class of each window (its clip's)</param>
    /// <param name="clips">clip index of each window (for the per-clip weights)</param>
    public static ClassificationHead Adapt(ClassificationHead head, IReadOnlyList<float[]> embeddings, IReadOnlyList<int> labels,
        IReadOnlyList<int> clips, HeadOptions o, int seed)
    {
        int n = embeddings.Count;
        if (n == 0 || labels.Count != n || clips.Count != n) throw new ArgumentException($"{n} embeddings, {labels.Count} labels, {clips.Count} clip indices");
        var weights = SampleWeights(labels, clips);
        var copy = Copy(head);
        copy.train();
        var device = copy.fc1.weight!.device;
        using var optimizer = new AdamWOptimizer(copy.named_parameters(), o.LearningRate, weightDecay: o.WeightDecay);
        using var x = tensor(embeddings.SelectMany(e => e).ToArray(), new long[] { n, embeddings[0].Length }, device: device); // [N, D]
        using var y = tensor(labels.Select(l => (long)l).ToArray(), device: device);                                     // [N]
        using var w = tensor(weights, device: device);                                                                   // [N]
        for (int step = 0; step < o.Steps; step++)
        {
            torch.random.manual_seed((long)(StepRandom.Mix((ulong)seed, StepRandom.Hash("few-shot/head"), (ulong)step) & 0x7FFFFFFFFFFFFFFF));
            using var scope = NewDisposeScope();
            var logits = copy.forward(x);                                                                                // [N, classes]
            var loss = nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.None).mul(w).sum();
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.StepOnce();
        }
        optimizer.ZeroGrad();
        copy.eval();
        return copy;
    }

    /// <summary>Class probabilities [N][classes] of the head on embeddings [N][D] (no dropout, no gradients).</summary>
    public static float[][] Probabilities(ClassificationHead head, IReadOnlyList<float[]> embeddings)
    {
        if (embeddings.Count == 0) return [];
        bool wasTraining = head.training;
        head.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            int classes = (int)head.fc2.out_features;
            var x = tensor(embeddings.SelectMany(e => e).ToArray(), new long[] { embeddings.Count, embeddings[0].Length }, device: head.fc1.weight!.device);
            var probabilities = nn.functional.softmax(head.forward(x), 1).cpu().data<float>().ToArray();            // [N, classes]
            return Enumerable.Range(0, embeddings.Count).Select(i => probabilities.AsSpan(i * classes, classes).ToArray()).ToArray();
        }
        finally
        {
            if (wasTraining) head.train();
        }
    }

    /// <summary>A new head with the same shape and a copy of the weights.</summary>
    public static ClassificationHead Copy(ClassificationHead head)
    {
        var copy = new ClassificationHead((int)head.fc1.in_features, (int)head.fc1.out_features, (int)head.fc2.out_features, head.dropout.p);
        copy.to(head.fc1.weight!.device);
        using var noGrad = no_grad();
        var source = head.state_dict();
        foreach (var (name, t) in copy.state_dict()) t.copy_(source[name]);
        return copy;
    }

    /// <summary>1 / (windows of the clip · clips of the class · classes present): every clip and class weighs the same; sum 1.</summary>
    public static float[] SampleWeights(IReadOnlyList<int> labels, IReadOnlyList<int> clips)
    {
        var windowsPerClip = clips.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var clipsPerClass = labels.Zip(clips).Distinct().GroupBy(x => x.First).ToDictionary(g => g.Key, g => g.Count());
        int classes = clipsPerClass.Count;
        return labels.Select((l, i) => (float)(1.0 / (windowsPerClip[clips[i]] * clipsPerClass[l] * classes))).ToArray();
    }
}
