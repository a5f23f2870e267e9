using Emolingua.Models;
using Emolingua.Training.Data;
using TorchSharp;
using TorchSharp.Modules;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Training.FewShot;

/// <summary>Head-only adaptation settings: full-batch AdamW steps on the shots' frozen window embeddings.</summary>
public sealed record HeadOptions(int Steps = 100, double LearningRate = 1e-3, double WeightDecay = 0.01);

/// <summary>The shots of one adaptation: window embeddings [N][D], each window's class and clip index.</summary>
public sealed record ShotEmbeddings(
    IReadOnlyList<float[]> Embeddings,
    IReadOnlyList<int> Labels,
    IReadOnlyList<int> Clips
);

/// <summary>
/// Few-shot adaptation of the classification head alone: the encoder stays frozen, so each clip's windows are embedded
/// once (the time-mean the head reads) and a copy of the English-trained head is fine-tuned on them with AdamW, full
/// batch, dropout as in training (seeded per step). Each shot clip weighs the same whatever its number of windows,
/// and each class the same whatever its number of clips. Several adaptations (every k and draw of a model) train
/// together as one batch of independent heads: the losses add, so each head's gradients and AdamW updates (both
/// per element) are exactly those of training it alone, with one set of tensor operations per step for all of them.
/// </summary>
public static class HeadAdaptation
{
    public static ClassificationHead Adapt(ClassificationHead head, ShotEmbeddings shots, HeadOptions o, int seed) =>
        Adapt(head, [shots], o, seed)[0];

    /// <summary>One adapted copy of <paramref name="head"/> per shot set (the source head is left as it was).</summary>
    public static List<ClassificationHead> Adapt(
        ClassificationHead head,
        IReadOnlyList<ShotEmbeddings> sets,
        HeadOptions o,
        int seed
    )
    {
        if (sets.Count == 0)
            return [];
        foreach (var s in sets)
        {
            if (s.Embeddings.Count == 0 || s.Labels.Count != s.Embeddings.Count || s.Clips.Count != s.Embeddings.Count)
            {
                throw new ArgumentException(
                    $"{s.Embeddings.Count} embeddings, {s.Labels.Count} labels, {s.Clips.Count} clip indices"
                );
            }
        }

        int heads = sets.Count,
            rows = sets.Max(s => s.Embeddings.Count),
            dim = sets[0].Embeddings[0].Length;
        var device = head.fc1.weight!.device;
        // Padded to the largest set; padding rows weigh 0.
        var x = new float[heads * rows * dim];
        var y = new long[heads * rows];
        var w = new float[heads * rows];
        for (var h = 0; h < heads; h++)
        {
            var weights = SampleWeights(sets[h].Labels, sets[h].Clips);
            for (var i = 0; i < sets[h].Embeddings.Count; i++)
            {
                sets[h].Embeddings[i].CopyTo(x, (h * rows + i) * dim);
                y[h * rows + i] = sets[h].Labels[i];
                w[h * rows + i] = weights[i];
            }
        }
        var stack = new BatchedHead(head, heads);
        using var optimizer = new AdamWOptimizer(stack.Parameters, o.LearningRate, weightDecay: o.WeightDecay);
        using var inputs = tensor(x, new long[] { heads, rows, dim }, device: device); // [H, N, D]
        using var labels = tensor(y, new long[] { heads * rows }, device: device); // [H·N]
        using var sampleWeights = tensor(w, new long[] { heads * rows }, device: device); // [H·N]
        for (var step = 0; step < o.Steps; step++)
        {
            torch.random.manual_seed(
                (long)(StepRandom.Mix((ulong)seed, StepRandom.Hash("few-shot/head"), (ulong)step) & 0x7FFFFFFFFFFFFFFF)
            );
            using var scope = NewDisposeScope();
            var logits = stack.Forward(inputs, training: true).reshape(heads * rows, -1); // [H·N, classes]
            var loss = nn
                .functional.cross_entropy(logits, labels, reduction: nn.Reduction.None)
                .mul(sampleWeights)
                .sum();
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.StepOnce();
        }
        optimizer.ZeroGrad();
        var adapted = Enumerable.Range(0, heads).Select(stack.Head).ToList();
        stack.Dispose();
        return adapted;
    }

    /// <summary>Class probabilities [N][classes] of the head on embeddings [N][D] (no dropout, no gradients).</summary>
    public static float[][] Probabilities(ClassificationHead head, IReadOnlyList<float[]> embeddings)
    {
        if (embeddings.Count == 0)
            return [];
        var wasTraining = head.training;
        head.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var classes = (int)head.fc2.out_features;
            var x = tensor(
                embeddings.SelectMany(e => e).ToArray(),
                new long[] { embeddings.Count, embeddings[0].Length },
                device: head.fc1.weight!.device
            );
            var probabilities = nn.functional.softmax(head.forward(x), 1).cpu().data<float>().ToArray(); // [N, classes]
            return Enumerable
                .Range(0, embeddings.Count)
                .Select(i => probabilities.AsSpan(i * classes, classes).ToArray())
                .ToArray();
        }
        finally
        {
            if (wasTraining)
                head.train();
        }
    }

    /// <summary>1 / (windows of the clip · clips of the class · classes present): every clip and class weighs the same;
    /// sum 1.</summary>
    public static float[] SampleWeights(IReadOnlyList<int> labels, IReadOnlyList<int> clips)
    {
        var windowsPerClip = clips.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var clipsPerClass = labels.Zip(clips).Distinct().GroupBy(x => x.First).ToDictionary(g => g.Key, g => g.Count());
        var classes = clipsPerClass.Count;
        return labels
            .Select((l, i) => (float)(1.0 / (windowsPerClip[clips[i]] * clipsPerClass[l] * classes)))
            .ToArray();
    }

    /// <summary>H copies of a <see cref="ClassificationHead"/> as stacked parameters, run with batched matrix
    /// products.</summary>
    private sealed class BatchedHead : IDisposable
    {
        private readonly Parameter _w1,
            _b1,
            _w2,
            _b2; // [H, hidden, D], [H, hidden], [H, classes, hidden], [H, classes]
        private readonly ClassificationHead _template;

        public BatchedHead(ClassificationHead head, int heads)
        {
            _template = head;
            using var noGrad = no_grad();
            Parameter Stack(Tensor t) =>
                new(
                    t.detach().unsqueeze(0).repeat([heads, .. Enumerable.Repeat(1L, (int)t.dim())]).contiguous(),
                    requires_grad: true
                );
            _w1 = Stack(head.fc1.weight!);
            _b1 = Stack(head.fc1.bias!);
            _w2 = Stack(head.fc2.weight!);
            _b2 = Stack(head.fc2.bias!);
        }

        public IEnumerable<(string Name, Parameter Parameter)> Parameters =>
            [("fc1.weight", _w1), ("fc1.bias", _b1), ("fc2.weight", _w2), ("fc2.bias", _b2)];

        /// <param name="x">[H, N, D]</param><returns>logits [H, N, classes]</returns>
        public Tensor Forward(Tensor x, bool training)
        {
            var hidden = nn.functional.relu(x.bmm(_w1.transpose(1, 2)).add(_b1.unsqueeze(1), One)); // [H, N, hidden]
            hidden = nn.functional.dropout(hidden, _template.dropout.p, training);
            return hidden.bmm(_w2.transpose(1, 2)).add(_b2.unsqueeze(1), One); // [H, N, classes]
        }

        /// <summary>Head h as a standalone module (eval mode).</summary>
        public ClassificationHead Head(int h)
        {
            var head = new ClassificationHead(
                (int)_template.fc1.in_features,
                (int)_template.fc1.out_features,
                (int)_template.fc2.out_features,
                _template.dropout.p
            );
            head.to(_template.fc1.weight!.device);
            using (no_grad())
            {
                head.fc1.weight!.copy_(_w1[h]);
                head.fc1.bias!.copy_(_b1[h]);
                head.fc2.weight!.copy_(_w2[h]);
                head.fc2.bias!.copy_(_b2[h]);
            }
            head.eval();
            return head;
        }

        public void Dispose()
        {
            _w1.Dispose();
            _b1.Dispose();
            _w2.Dispose();
            _b2.Dispose();
        }
    }
}
