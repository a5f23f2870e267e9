using Emolingua.Augmentation;
using Emolingua.Corpora;
using Emolingua.Features;
using Emolingua.Models;
using Emolingua.Training.Data;
using Emolingua.Training.Objectives;
using Emolingua.Util;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Emolingua.Training.Stages;

/// <summary>
/// CL stage 1, speaker-contrastive adaptation on unlabeled low-resource speech: batches of 16 speakers × 4 utterances,
/// two views per utterance (clean and augmented), the paper's Eq. 1 (or SupCon) over speaker labels on the encoder's
/// time-mean embeddings, cosine similarity. Validation: the same loss on fixed Common Voice dev batches when dev has
/// enough speakers; otherwise the stage runs its full number of epochs and keeps the last encoder.
/// </summary>
public sealed class ContrastiveStage : TrainingStage<ContrastiveStage.Inputs>
{
    private readonly StageContext _ctx;
    private readonly WhisperEncoder _encoder;
    private readonly SpeakerBatchSampler _sampler;
    private readonly SpeakerBatchSampler? _devSampler;
    private readonly AugmentationPipeline _waveAugment = Presets.ContrastiveWaveform();
    private readonly AugmentationPipeline _specAugment = Presets.ContrastiveSpectrogram();
    private readonly Recipe.ContrastiveSection _settings;
    private readonly double _seconds;
    private const int ValidationBatches = 4;

    /// <summary>Step inputs: S-second crops [N][T] and each crop's speaker index within the batch.</summary>
    public sealed record Inputs(float[][] Crops, long[] Speakers);

    public ContrastiveStage(
        WhisperEncoder encoder,
        StageContext ctx,
        double seconds,
        Recipe.ContrastiveSection settings
    )
    {
        _encoder = encoder;
        _ctx = ctx;
        _settings = settings;
        _seconds = seconds;
        var c = settings;
        _sampler = new SpeakerBatchSampler(
            ctx.Data.UnlabeledTrain,
            c.Speakers,
            c.UtterancesPerSpeaker,
            ctx.Seed,
            "unlabeled low-resource training data"
        );
        try
        {
            if (ctx.Data.UnlabeledValidation.Count > 0)
            {
                _devSampler = new SpeakerBatchSampler(
                    ctx.Data.UnlabeledValidation,
                    c.Speakers,
                    c.UtterancesPerSpeaker,
                    12345,
                    "dev"
                );
            }
        }
        catch (EmolinguaException)
        {
            _devSampler = null;
        } // too few dev speakers: no validation
        _encoder.train();
    }

    public override string Name => "contrastive-stage1";
    public override nn.Module StateModule => _encoder;
    public override IEnumerable<(string Name, Parameter Parameter)> TrainableParameters => _encoder.named_parameters();
    public override bool HigherIsBetter => false;

    public override Inputs Prepare(long step) => Gather(_ctx.Data.UnlabeledTrain, _sampler, step, Name + "/crop");

    private Inputs Gather(List<Utterance> pool, SpeakerBatchSampler sampler, long step, string stream)
    {
        var indices = sampler.Batch(step);
        var crops = _ctx.RandomCrops(pool, indices, _seconds, stream, step);
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var speakers = indices
            .Select(i =>
            {
                var s = pool[i].Speaker;
                return ids.TryGetValue(s, out var id) ? id : ids[s] = ids.Count;
            })
            .ToArray();
        return new Inputs(crops, speakers);
    }

    public override (Tensor Loss, Dictionary<string, double> Logs) Loss(Inputs x, long step, long totalSteps)
    {
        using var generator = _ctx.AugmentGenerator(Name, step);
        var loss = ContrastiveLoss(x, generator);
        return (loss, new Dictionary<string, double>());
    }

    private Tensor ContrastiveLoss(Inputs x, Generator generator)
    {
        var nMels = _encoder.Config.NumMelBins;
        var wave = _ctx.Waveforms(x.Crops); // [N, T]
        var clean = WhisperLogMel.Compute(wave, nMels); // view 1: clean
        var augmented = _specAugment.Apply(
            WhisperLogMel.Compute(_waveAugment.Apply(wave, generator), nMels),
            generator
        ); // view 2
        var z = _encoder.Embed(cat(new[] { clean, augmented }, 0)); // [2N, D]
        var speakers = x.Speakers.Concat(x.Speakers).ToArray(); // both views share the speaker
        var tau = _settings.Temperature;
        return _settings.Loss == Util.ContrastiveLoss.Supcon
            ? SpeakerContrastiveLoss.SupCon(z, speakers, tau)
            : SpeakerContrastiveLoss.NtXent(z, speakers, tau);
    }

    public override ValidationResult? Validate()
    {
        if (_devSampler == null)
            return null;
        double total = 0;
        _encoder.eval();
        using (no_grad())
        {
            for (var b = 0; b < ValidationBatches; b++)
            {
                using var scope = NewDisposeScope();
                var x = Gather(_ctx.Data.UnlabeledValidation, _devSampler, b, "dev/crop");
                using var generator = new Generator(StepRandom.Mix(777, (ulong)b), _ctx.Device);
                total += ContrastiveLoss(x, generator).item<float>();
            }
        }

        _encoder.train();
        var loss = total / ValidationBatches;
        return new ValidationResult(loss, new Dictionary<string, double> { ["contrastive_loss"] = loss });
    }

    /// <summary>Writes the adapted encoder as config.json + model.safetensors (an HF-style encoder
    /// checkpoint).</summary>
    public override void Export(string folder)
    {
        AtomicFolder.Write(folder, tmp =>
        {
            Json.Save(
                Path.Combine(tmp, "config.json"),
                (_encoder.Config with { MaxSourcePositions = _encoder.Positions }).ToJson(),
                indented: false
            );
            StateDict.Save(Path.Combine(tmp, "model.safetensors"), _encoder);
        });
    }

    public override IEnumerable<string> Describe()
    {
        var c = _settings;
        yield return $"{_ctx.Data.UnlabeledTrain.Count} unlabeled utterances, {_sampler.EligibleSpeakers} speakers with >= {c.UtterancesPerSpeaker} utterances; batches of {c.Speakers} speakers x {c.UtterancesPerSpeaker} utterances x 2 views (clean, augmented); loss {c.Loss}, tau {c.Temperature}";
        yield return _devSampler == null
            ? "no dev set with enough speakers: no early stopping, last encoder kept"
            : $"validation: contrastive loss on {ValidationBatches} fixed dev batches";
        yield return _waveAugment.ToString().ReplaceLineEndings(" | ");
        yield return _specAugment.ToString().ReplaceLineEndings(" | ");
    }

    public override void Dispose()
    {
        _waveAugment.Dispose();
        _specAugment.Dispose();
    }
}
