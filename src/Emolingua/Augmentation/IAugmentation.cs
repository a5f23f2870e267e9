using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Augmentation;

/// <summary>What an augmentation expects as input.</summary>
public enum AugmentationDomain
{
    /// <summary>Batch-first waveforms <c>[B, T]</c> at 16 kHz.</summary>
    Waveform,

    /// <summary>Batch-first Whisper log-mel spectrograms <c>[B, n_mels, frames]</c>, scaled as
    /// (log10(power)+4)/4.</summary>
    LogMel,
}

/// <summary>
/// One data augmentation. Not a TorchSharp <c>Module</c>: augmentations have no parameters to train or save, and the
/// randomness is passed in on every call so the caller owns (and can checkpoint, via <c>Generator.get_state()</c>)
/// the random stream.
/// </summary>
/// <remarks>
/// Contract for every implementation:
/// <list type="bullet">
/// <item>input is batch-first, on any device; output has the same shape, dtype and device;</item>
/// <item>random parameters are drawn per example, from <paramref name="generator"/> only, in a fixed order and in a
/// fixed amount whatever <c>p</c> is, so a given seed always produces the same stream of decisions;</item>
/// <item>draws happen on the generator's device and are moved to the data's device (pass a generator on the data's
/// device to avoid host-device copies of large noise tensors);</item>
/// <item>the result is a new tensor in the caller's dispose scope (never the input itself); the input is not
/// modified;</item>
/// <item><c>ToString()</c> lists every parameter, for the run log.</item>
/// </list>
/// </remarks>
public interface IAugmentation
{
    AugmentationDomain Domain { get; }

    /// <param name="x"><c>[B, T]</c> waveforms or <c>[B, n_mels, frames]</c> log-mels (see
    /// <see cref="Domain"/>).</param>
    /// <param name="generator">The only source of randomness.</param>
    Tensor Apply(Tensor x, Generator generator);
}

/// <summary>
/// An augmentation with state beyond the caller's random generator (e.g. <see cref="Spectrogram.MixupLogExp"/>'s
/// memory bank). Save <see cref="StateDict"/> with the checkpoint and restore it with <see cref="LoadStateDict"/>
/// (together with the generator's <c>get_state()</c>) for an exact resume.
/// </summary>
public interface IStatefulAugmentation
{
    /// <summary>Fresh CPU tensors owned by the caller (dispose them or let the caller's scope do it).</summary>
    Dictionary<string, Tensor> StateDict();

    /// <param name="device">Where to put restored tensors (the data's device); null keeps the saved tensors'
    /// device.</param>
    void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, Device? device = null);

    /// <summary>Forgets all state (as freshly constructed).</summary>
    void Reset();
}
