using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training.Data;
using static TorchSharp.torch;

namespace Emolingua.Inference;

/// <summary>
/// Class probabilities and embeddings of whole clips: each clip is read as S-second windows (50 % overlap; one
/// zero-padded window for short clips), windows are batched through the model, and each clip's window
/// probabilities (and pooled embeddings) are averaged.
/// </summary>
public static class WindowedPredictor
{
    public sealed record Output(float[][] Probabilities, float[][]? Embeddings);

    /// <param name="clips">16 kHz mono waveforms.</param>
    public static Output Predict(EmotionClassifier model, IReadOnlyList<float[]> clips, double seconds, int batchSize = 32, bool embeddings = false)
    {
        int window = WhisperAudio.SamplesFor(seconds);
        int nMels = model.encoder.Config.NumMelBins;
        var device = model.encoder.conv1.weight!.device;
        var windows = new List<(int Clip, float[] Samples)>();
        for (int c = 0; c < clips.Count; c++)
            foreach (var w in Crops.Windows(clips[c], window)) windows.Add((c, w));

        int classes = (int)model.head.fc2.out_features, dim = model.encoder.Config.DModel;
        var probSums = new double[clips.Count][];
        var embSums = embeddings ? new double[clips.Count][] : null;
        var counts = new int[clips.Count];
        for (int c = 0; c < clips.Count; c++) { probSums[c] = new double[classes]; if (embSums != null) embSums[c] = new double[dim]; }

        bool wasTraining = model.training;
        model.eval();
        using (no_grad())
        {
            for (int start = 0; start < windows.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var chunk = windows.Skip(start).Take(batchSize).ToList();
                var mel = WhisperLogMel.Compute(WhisperLogMel.Batch(chunk.Select(w => w.Samples).ToList(), seconds, device), nMels);
                var (embedding, logits) = model.ForwardWithEmbedding(mel);
                var probs = nn.functional.softmax(logits, 1).cpu().data<float>().ToArray();   // [b, classes]
                var emb = embeddings ? embedding.cpu().data<float>().ToArray() : null;         // [b, D]
                for (int i = 0; i < chunk.Count; i++)
                {
                    int c = chunk[i].Clip;
                    counts[c]++;
                    for (int k = 0; k < classes; k++) probSums[c][k] += probs[i * classes + k];
                    if (emb != null) for (int d = 0; d < dim; d++) embSums![c][d] += emb[i * dim + d];
                }
            }
        }
        if (wasTraining) model.train();
        var p = probSums.Select((s, c) => s.Select(v => (float)(v / counts[c])).ToArray()).ToArray();
        var e = embSums?.Select((s, c) => s.Select(v => (float)(v / counts[c])).ToArray()).ToArray();
        return new Output(p, e);
    }
}
