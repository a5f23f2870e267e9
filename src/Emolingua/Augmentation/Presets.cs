using Emolingua.Augmentation.Spectrogram;
using Emolingua.Augmentation.Waveform;

namespace Emolingua.Augmentation;

/// <summary>
/// The paper's augmentation recipes (§2.1). The paper names the augmentations but not their strengths or
/// probabilities; the values below are ours and are stated on each preset. Every call returns new instances
/// (<see cref="MixupLogExp"/> is stateful: build a pipeline once per run and keep it).
/// </summary>
public static class Presets
{
    /// <summary>
    /// Contrastive (CL) augmented view, waveform part — applied before the log-mel:
    /// Gaussian noise at SNR ~ U(10, 20) dB (paper), p = 0.5; polarity inversion, p = 0.5; gain ~ U(−6, +6) dB,
    /// p = 0.5 (kept small: Whisper features are level-dependent); speed perturbation ×{0.9, 1.0, 1.1}
    /// (SpeechBrain's default set), p = 0.5. With four independent p = 0.5 steps plus the two spectrogram steps, an
    /// "augmented" view is left untouched with probability 1/64 only.
    /// </summary>
    public static AugmentationPipeline ContrastiveWaveform() =>
        new(
            "contrastive-waveform",
            new GaussianNoiseSnr(minDb: 10, maxDb: 20, p: 0.5),
            new PolarityInversion(p: 0.5),
            new Gain(minDb: -6, maxDb: 6, p: 0.5),
            new SpeedPerturb(new[] { 0.9, 1.0, 1.1 }, p: 0.5)
        );

    /// <summary>
    /// Contrastive (CL) augmented view, log-mel part: spectral stretch of the mel axis by U(0.9, 1.1), p = 0.5;
    /// SpecAugment with SpecAugment's "SM" strengths adapted to 4-s Whisper crops (400 frames): 2 frequency masks of
    /// ≤ 15 of 80 mel bins, 2 time masks of ≤ 40 frames (0.4 s), each ≤ 20 % of the frames, filled with the example's
    /// mean, p = 0.5.
    /// </summary>
    public static AugmentationPipeline ContrastiveSpectrogram() =>
        new(
            "contrastive-spectrogram",
            new SpectralStretch(0.9, 1.1, p: 0.5),
            new SpecAugment(
                freqMaskParam: 15,
                freqMasks: 2,
                timeMaskParam: 40,
                timeMasks: 2,
                maxTimeFraction: 0.2,
                fill: SpectrogramFill.Mean,
                p: 0.5
            )
        );

    /// <summary>
    /// BYOL view (self-supervised branch), on log-mels, every step always applied as in BYOL-A: log-mixup-exp with
    /// ratio 0.4 and a 2048-input memory bank in the Whisper power domain; random-resize-crop with BYOL-A's scales
    /// (virtual crop (1.0, 1.5), freq (0.6, 1.5), time (0.6, 1.5)), canvas filled with silence (example minimum);
    /// then time–frequency masking (BYOL-A has none; the paper adds it): 2 frequency masks ≤ 15 bins and 2 time masks
    /// ≤ 30 frames (3-s crops = 300 frames), each ≤ 20 % of the frames, mean fill. Mixup comes first so its memory
    /// bank stores un-augmented inputs. Call it once per view: the two views draw independently.
    /// </summary>
    public static AugmentationPipeline ByolView(int memory = 2048) =>
        new(
            "byol-view",
            new MixupLogExp(ratio: 0.4, capacity: memory, domain: MixupDomain.WhisperLog10, p: 1.0),
            new RandomResizeCrop((1.0, 1.5), (0.6, 1.5), (0.6, 1.5), SpectrogramFill.Min, p: 1.0),
            new SpecAugment(
                freqMaskParam: 15,
                freqMasks: 2,
                timeMaskParam: 30,
                timeMasks: 2,
                maxTimeFraction: 0.2,
                fill: SpectrogramFill.Mean,
                p: 1.0
            )
        );

    /// <summary>
    /// BYOL supervised (CE) branch, "reduced strength" (paper): one frequency mask ≤ 8 bins and one time mask
    /// ≤ 15 frames (≤ 10 % of the frames), mean fill, p = 0.8; random-resize-crop with a smaller virtual canvas
    /// (1.0, 1.2) and scales (0.8, 1.2), silence fill, p = 0.8. No mixup (it would blur the emotion label).
    /// </summary>
    public static AugmentationPipeline ByolSupervised() =>
        new(
            "byol-supervised",
            new RandomResizeCrop((1.0, 1.2), (0.8, 1.2), (0.8, 1.2), SpectrogramFill.Min, p: 0.8),
            new SpecAugment(
                freqMaskParam: 8,
                freqMasks: 1,
                timeMaskParam: 15,
                timeMasks: 1,
                maxTimeFraction: 0.1,
                fill: SpectrogramFill.Mean,
                p: 0.8
            )
        );
}
