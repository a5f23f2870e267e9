using System.Diagnostics;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Models.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Benchmarks;

/// <summary>The steps <c>bench logmel</c> and <c>bench encoder</c> time, on random weights and random input.</summary>
internal static class EncoderSteps
{
    /// <summary>One log-mel batch of random waveforms [B, 16000·S].</summary>
    public static Action LogMel(int batch, double seconds)
    {
        var waveforms = (randn(batch, WhisperAudio.SamplesFor(seconds)) * Held(0.1)).DetachFromDisposeScope();
        return () =>
        {
            using var scope = NewDisposeScope();
            WhisperLogMel.Compute(waveforms);
        };
    }

    /// <summary>A forward of a random-weight encoder on a random log-mel batch, without gradients.</summary>
    public static Action Forward(string size, int batch, double seconds, Emolingua.Util.Precision precision)
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds))
        {
            Precision = precision,
        };
        encoder.eval();
        var mel = randn(batch, encoder.Config.NumMelBins, encoder.Frames).DetachFromDisposeScope();
        return () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            encoder.forward(mel);
        };
    }

    /// <summary>
    /// The same encoder (same random weights, same input) exported with <see cref="OnnxExport.EncoderModel"/> and run
    /// by
    /// ONNX Runtime with <see cref="OnnxSessions"/>' options and <paramref name="threads"/> intra-op threads.
    /// With <paramref name="phases"/>, ONNX Runtime's time per operator type (from its profiler) goes there at process
    /// exit.
    /// </summary>
    public static Action OnnxForward(
        string size,
        int batch,
        double seconds,
        int threads,
        OnnxQuantization quantization,
        Action<string>? phases
    )
    {
        byte[] graph;
        var positions = WhisperAudio.PositionsFor(seconds);
        var config = WhisperConfig.ForSize(size);
        using (var encoder = new WhisperEncoder(config, positions))
        {
            var state = encoder.state_dict();
            graph = OnnxExport
                .EncoderModel(
                    config,
                    positions,
                    name => (state[name].data<float>().ToArray(), state[name].shape),
                    quantization
                )
                .ToByteArray();
        }
        using var options = OnnxSessions.Options(threads);
        if (phases != null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = Path.Combine(
                Path.GetTempPath(),
                $"emolingua-ort-profile-{Environment.ProcessId}"
            );
        }
        var session = new InferenceSession(graph, options);
        if (phases != null)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => phases(OnnxProfile.OperatorTimes(session.EndProfiling()));
        using var noise = randn(batch, config.NumMelBins, 2 * positions);
        var mel = noise.data<float>().ToArray(); // [B, n_mels, frames]
        var input = OrtValue.CreateTensorValueFromMemory(mel, [batch, config.NumMelBins, 2 * positions]);
        var runOptions = new RunOptions();
        return () =>
        {
            using var outputs = session.Run(runOptions, [OnnxExport.Mel], [input], [OnnxExport.Hidden]);
        };
    }

    /// <summary>Forward, cross-entropy on the emotion head (4 classes), backward, AdamW step; conv + positions frozen
    /// as in training.</summary>
    public static Action Train(
        string size,
        int batch,
        double seconds,
        Emolingua.Util.Precision precision,
        Action<string>? phases
    )
    {
        var encoder = new WhisperEncoder(WhisperConfig.ForSize(size), WhisperAudio.PositionsFor(seconds))
        {
            Precision = precision,
        };
        encoder.FreezeFrontEnd();
        var model = new EmotionClassifier(encoder, Bench.TrainClasses, Bench.TrainHeadHidden);
        model.train();
        var optimizer = new Emolingua.Training.AdamWOptimizer(model.named_parameters(), learningRate: 1e-5);
        var mel = randn(batch, encoder.Config.NumMelBins, encoder.Frames).DetachFromDisposeScope();
        var labels = randint(0, Emotions.All.Count, batch, dtype: ScalarType.Int64).DetachFromDisposeScope();
        return () =>
        {
            using var scope = NewDisposeScope();
            var t0 = Stopwatch.GetTimestamp();
            optimizer.ZeroGrad();
            var loss = nn.functional.cross_entropy(model.forward(mel), labels);
            var t1 = Stopwatch.GetTimestamp();
            loss.backward();
            var t2 = Stopwatch.GetTimestamp();
            optimizer.StepOnce();
            var t3 = Stopwatch.GetTimestamp();
            phases?.Invoke(
                $"forward {Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds:0} ms, backward {Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds:0} ms, optimizer {Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds:0} ms"
            );
        };
    }
}
