using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Augmentation.Spectrogram;

/// <summary>In which domain <see cref="MixupLogExp"/> mixes.</summary>
public enum MixupDomain
{
    /// <summary>
    /// Whisper features y = (log10(power)+4)/4: power = 10^(4y − 4), mixed = (1−a)·power_x + a·power_z, back with
    /// y' = (log10(max(mixed, 1e-10)) + 4)/4. This is the faithful log-mixup-exp for Whisper features: the mix
    /// happens in linear power, as BYOL-A's exp(log-mel) does for its natural-log features. The 1e-10 floor is
    /// Whisper's own clamp (it replaces BYOL-A's "+ eps", which would shift quiet bins of these features).
    /// </summary>
    WhisperLog10,

    /// <summary>BYOL-A verbatim for natural-log features: log((1−a)·exp(x) + a·exp(z) + eps), eps =
    /// 1.1920929e-07.</summary>
    NaturalLog,
}

/// <summary>
/// BYOL-A's <c>MixupBYOLA(ratio, n_memory, log_mixup_exp=True)</c>: each example is mixed with a past input drawn
/// uniformly from a FIFO memory bank of the last <see cref="Capacity"/> un-mixed inputs, with weight
/// a ~ U(0, <see cref="Ratio"/>) on the past input. Stateful.
/// </summary>
/// <remarks>
/// <para>Batched semantics: all examples of a call draw from the bank as it was before the call, then the call's
/// un-mixed inputs are pushed (BYOL-A pushes after each single example, so a later example of the same batch could
/// pick an earlier one; the difference is immaterial with a bank of thousands). The first call (empty bank) returns
/// the input unchanged. Examples not selected by <see cref="P"/> are returned unchanged but still pushed.</para>
/// <para>Randomness per call, in order: apply decisions U[B], weights U[B], bank picks U[B] — drawn even when the
/// bank is empty, so the stream does not depend on the state.</para>
/// <para>Exact resume: the bank and its pointers are saved by <see cref="StateDict"/> and restored by
/// <see cref="LoadStateDict"/>; the random stream is the caller's generator (<c>get_state/set_state</c>).</para>
/// <para>Memory: the bank holds Capacity·n_mels·frames values on the input's device (2048 × 80 × 300 float32 ≈
/// 197 MB for 3-s Whisper crops). All inputs must have the same [n_mels, frames] and dtype.</para>
/// </remarks>
public sealed class MixupLogExp : IAugmentation, IStatefulAugmentation, IDisposable
{
    /// <summary>Whisper's power floor, 1e-10 (log10 → −10 before scaling).</summary>
    private const double PowerFloor = 1e-10;

    /// <summary>numpy float32 eps, as BYOL-A.</summary>
    private const double Float32Eps = 1.1920928955078125e-07;

    private Tensor? _bank; // [Capacity, F, T], detached from every dispose scope
    private long _count; // rows filled
    private long _next; // next row to overwrite (FIFO)

    public double Ratio { get; }
    public int Capacity { get; }
    public MixupDomain MixDomain { get; }
    public double P { get; }

    /// <summary>Number of inputs currently in the memory bank.</summary>
    public long Count => _count;

    /// <param name="ratio">Upper bound of the mixing weight on the past input (BYOL-A v1: 0.4; v2: 0.2).</param>
    /// <param name="capacity">Memory-bank size (BYOL-A: 2048).</param>
    /// <param name="domain">Mixing domain; <see cref="MixupDomain.WhisperLog10"/> for Whisper features.</param>
    /// <param name="p">Per-example probability of mixing (BYOL-A: always).</param>
    public MixupLogExp(
        double ratio = 0.4,
        int capacity = 2048,
        MixupDomain domain = MixupDomain.WhisperLog10,
        double p = 1.0
    )
    {
        if (!(ratio >= 0 && ratio <= 1))
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "Must be in [0, 1].");
        if (capacity < 1)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Must be >= 1.");
        Draw.CheckProbability(p);
        (Ratio, Capacity, MixDomain, P) = (ratio, capacity, domain, p);
    }

    public AugmentationDomain Domain => AugmentationDomain.LogMel;

    /// <param name="x"><c>[B, n_mels, frames]</c> log-mels.</param>
    public Tensor Apply(Tensor x, Generator generator) => Draw.PerExample(Domain, x, generator, P, applied =>
        {
            var b = x.shape[0];
            var alpha = Draw.Uniform(generator, new[] { b }, x.device) * Held(Ratio); // [B]
            var pick = Draw.Uniform(generator, new[] { b }, x.device); // [B]

            Tensor result;
            if (_count == 0)
            {
                result = x.alias();
            }
            else
            {
                CheckCompatible(x);
                // [B]
                var index = (pick * Held((double)_count)).floor().to(ScalarType.Int64).clamp_max(Held(_count - 1));
                var past = _bank!.index_select(0, index.to(_bank.device)).to(x.device); // [B, F, T]
                var weight = torch.where(applied, alpha, torch.zeros_like(alpha)); // [B]
                var mixed = Mix(x, past, weight, MixDomain);
                result = Draw.Select(applied, mixed, x);
            }
            Push(x);
            return result;
        });

    /// <summary>
    /// Deterministic core: log-mixup-exp of <paramref name="x"/> with <paramref name="z"/> (both <c>[B, F, T]</c>),
    /// weight <paramref name="alpha"/> <c>[B]</c> on <paramref name="z"/>.
    /// </summary>
    public static Tensor Mix(Tensor x, Tensor z, Tensor alpha, MixupDomain domain)
    {
        using var scope = torch.NewDisposeScope();
        var a = alpha.to(x.dtype).reshape(-1, 1, 1); // [B, 1, 1]
        switch (domain)
        {
            case MixupDomain.WhisperLog10:
            {
                const double ln10 = 2.302585092994046;
                var px = torch.exp((x * Held(4.0) - Held(4.0)) * Held(ln10)); // power = 10^(4y−4)
                var pz = torch.exp((z * Held(4.0) - Held(4.0)) * Held(ln10));
                var mixed = (a.neg().add(Held(1.0), One) * px).add(a * pz, One).clamp_min(Held(PowerFloor));
                return (torch.log10(mixed).add(Held(4.0), One) / Held(4.0)).MoveToOuterDisposeScope();
            }
            case MixupDomain.NaturalLog:
                return torch
                    .log(
                        (a.neg().add(Held(1.0), One) * torch.exp(x))
                            .add(a * torch.exp(z), One)
                            .add(Held(Float32Eps), One)
                    )
                    .MoveToOuterDisposeScope();
            default:
                throw new ArgumentOutOfRangeException(nameof(domain), domain, null);
        }
    }

    private void CheckCompatible(Tensor x)
    {
        if (_bank is null)
            return;
        if (x.shape[1] != _bank.shape[1] || x.shape[2] != _bank.shape[2] || x.dtype != _bank.dtype)
        {
            throw new ArgumentException(
                $"MixupLogExp memory bank holds [{_bank.shape[1]}, {_bank.shape[2]}] {_bank.dtype}, got input "
                    + $"[{string.Join(", ", x.shape)}] {x.dtype}.",
                nameof(x)
            );
        }
    }

    /// <summary>Appends the un-mixed inputs to the FIFO bank (overwriting the oldest).</summary>
    private void Push(Tensor x)
    {
        CheckCompatible(x);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        if (_bank is null)
        {
            // empty, not zeros: only rows [0, count) are ever read, and untouched pages of a large bank stay
            // uncommitted.
            _bank = torch
                .empty(new[] { Capacity, x.shape[1], x.shape[2] }, dtype: x.dtype, device: x.device)
                .DetachFromDisposeScope();
        }
        var b = x.shape[0];
        var rows = x.detach();
        if (b > Capacity) // only the newest Capacity inputs survive
        {
            _next = (_next + b - Capacity) % Capacity;
            rows = rows.narrow(0, b - Capacity, Capacity);
            b = Capacity;
        }
        var index = torch
            .arange(Held(0L), Held(b), Held(1L), device: _bank.device)
            .add(Held(_next), One)
            .remainder(Held((long)Capacity)); // [b]
        _bank.index_copy_(0, index, rows.to(_bank.device));
        _next = (_next + b) % Capacity;
        _count = Math.Min(_count + b, Capacity);
    }

    /// <summary>
    /// Snapshot for a checkpoint: "memory_bank" <c>[count, F, T]</c> in bank-row order (absent while empty),
    /// "count" and "next" (int64 scalars). All tensors are fresh CPU copies owned by the caller's scope.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor> { ["count"] = torch.tensor(_count), ["next"] = torch.tensor(_next) };
        if (_bank is not null && _count > 0)
            state["memory_bank"] = _bank.narrow(0, 0, _count).cpu().clone();
        return state;
    }

    /// <summary>Restores a <see cref="StateDict"/> snapshot onto <paramref name="device"/> (the data's
    /// device).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, Device? device = null)
    {
        long count = state["count"].item<long>(),
            next = state["next"].item<long>();
        if (count < 0 || count > Capacity || next < 0 || next >= Capacity)
        {
            throw new ArgumentException(
                $"MixupLogExp state (count={count}, next={next}) does not fit capacity {Capacity}.",
                nameof(state)
            );
        }

        _bank?.Dispose();
        _bank = null;
        if (count > 0)
        {
            var saved = state["memory_bank"];
            if (saved.dim() != 3 || saved.shape[0] != count)
            {
                throw new ArgumentException(
                    $"memory_bank has shape [{string.Join(", ", saved.shape)}], expected [{count}, F, T].",
                    nameof(state)
                );
            }

            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var bank = torch.empty(
                new[] { Capacity, saved.shape[1], saved.shape[2] },
                dtype: saved.dtype,
                device: device ?? saved.device
            );
            bank.narrow(0, 0, count).copy_(saved);
            _bank = bank.DetachFromDisposeScope();
        }
        (_count, _next) = (count, next);
    }

    /// <summary>Empties the memory bank.</summary>
    public void Reset()
    {
        _bank?.Dispose();
        _bank = null;
        (_count, _next) = (0, 0);
    }

    public void Dispose() => Reset();

    public override string ToString() =>
        $"MixupLogExp(ratio={Draw.F(Ratio)}, capacity={Capacity}, domain={MixDomain}, p={Draw.F(P)})";
}
