using TorchSharp;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;

namespace Emolingua.Training.Objectives;

/// <summary>
/// Speaker-contrastive objectives for stage 1 of the CL approach: positives are pairs of different utterances (or
/// views) of the same speaker, negatives are utterances of other speakers. Both take projections <c>z [N, D]</c>
/// (normalised here: similarity is cosine) and speaker ids <c>[N]</c>.
/// </summary>
public static class SpeakerContrastiveLoss
{
    /// <summary>Stands in for −∞ in masked logits: finite, so masked rows never produce NaN gradients.</summary>
    private const double MaskedLogit = -1e9;

    /// <summary>
    /// The paper's Eq. 1 exactly as written: for every ordered positive pair (i, j), i ≠ j, same speaker,
    /// l_ij = −log( exp(s_ij/τ) / Σ_k exp(s_ik/τ) ) with k over the samples whose speaker differs from i's, and
    /// the loss is the mean of l_ij over all positive pairs. s = cosine similarity.
    /// </summary>
    /// <remarks>
    /// <para>Unlike SimCLR/SupCon, the positive's own term is NOT in the denominator (the paper: "k denotes indices
    /// with a different speaker label than i"), so l_ij can be negative (when the positive is more similar than the
    /// negatives' soft-max) and the loss has no lower bound of 0; it keeps decreasing as positives align and negatives
    /// separate. Use <see cref="SupCon"/> for the bounded variant.</para>
    /// <para>Anchors without positives (a singleton speaker) or without negatives (single-speaker batch) contribute no
    /// pairs. If no pair is valid the result is 0, still connected to <paramref name="z"/>'s graph.</para>
    /// </remarks>
    /// <param name="z"><c>[N, D]</c> embeddings or projections (any scale).</param>
    /// <param name="speakerIds"><c>[N]</c> integer speaker labels.</param>
    /// <param name="tau">Temperature τ &gt; 0.</param>
    /// <returns>Scalar loss (float32, or float64 for float64 input).</returns>
    public static Tensor NtXent(Tensor z, Tensor speakerIds, double tau)
    {
        var (zn, same, eye) = Prepare(z, speakerIds, tau, out var scope);
        using (scope)
        {
            var s = zn.mm(zn.t()) / Held(tau); // [N, N] cosine / τ
            var positive = same.logical_and(eye.logical_not()); // [N, N] j ≠ i, same speaker
            var negative = same.logical_not(); // [N, N] other speaker
            var validPair = positive.logical_and(negative.any(1, keepdim: true)); // anchor must have a negative
            // [N, 1]
            var logDenominator = s.masked_fill(negative.logical_not(), Held(MaskedLogit)).logsumexp(1, keepdim: true);
            var pairLoss = logDenominator - s; // [N, N] l_ij = −s_ij + log Σ_k
            return MeanOver(pairLoss, validPair, z).MoveToOuterDisposeScope();
        }
    }

    /// <inheritdoc cref="NtXent(Tensor, Tensor, double)"/>
    public static Tensor NtXent(Tensor z, long[] speakerIds, double tau)
    {
        using var ids = torch.tensor(speakerIds, device: z.device);
        return NtXent(z, ids, tau);
    }

    /// <summary>
    /// Supervised contrastive loss L_out (Khosla et al.; HobbitLong/SupContrast <c>SupConLoss</c>, contrast_mode
    /// "all", base_temperature = temperature, one view per row): for anchor i,
    /// −(1/|P(i)|) Σ_{p∈P(i)} log( exp(s_ip/τ) / Σ_{a≠i} exp(s_ia/τ) ), averaged over anchors with |P(i)| &gt; 0.
    /// The denominator runs over ALL other samples (positives and negatives). As in the reference code, logits are
    /// shifted by their row maximum and the denominator gets + 1e-9 before the log.
    /// </summary>
    /// <param name="z"><c>[N, D]</c> embeddings (normalised here). With two views per utterance, stack the views as
    /// rows and repeat the speaker ids.</param>
    /// <param name="speakerIds"><c>[N]</c> integer labels.</param>
    /// <param name="tau">Temperature τ &gt; 0 (SupCon default 0.07).</param>
    public static Tensor SupCon(Tensor z, Tensor speakerIds, double tau)
    {
        var (zn, same, eye) = Prepare(z, speakerIds, tau, out var scope);
        using (scope)
        {
            var s = zn.mm(zn.t()) / Held(tau); // [N, N]
            var logits = s - s.max(1, keepdim: true).values.detach(); // row-max shift (value-neutral)
            var others = eye.logical_not(); // [N, N] a ≠ i
            var positive = same.logical_and(others);
            var expLogits = logits.exp() * others.to(logits.dtype);
            var logProb = logits - expLogits.sum(1, keepdim: true).add(Held(1e-9), One).log(); // [N, N]
            var positives = positive.sum(1).to(logits.dtype); // [N] |P(i)|
            var meanLogProbPos =
                logProb.masked_fill(positive.logical_not(), Held(0.0)).sum(1) / positives.clamp_min(Held(1.0));
            var anchorLoss = meanLogProbPos.neg().unsqueeze(1); // [N, 1]
            return MeanOver(anchorLoss, positives.gt(Held(0.0)).unsqueeze(1), z).MoveToOuterDisposeScope();
        }
    }

    /// <inheritdoc cref="SupCon(Tensor, Tensor, double)"/>
    public static Tensor SupCon(Tensor z, long[] speakerIds, double tau)
    {
        using var ids = torch.tensor(speakerIds, device: z.device);
        return SupCon(z, ids, tau);
    }

    /// <summary>Validates, opens the dispose scope, normalises z and builds the label masks.</summary>
    private static (Tensor Zn, Tensor Same, Tensor Eye) Prepare(
        Tensor z,
        Tensor speakerIds,
        double tau,
        out IDisposable scope
    )
    {
        if (z.dim() != 2)
            throw new ArgumentException($"Expected z [N, D], got [{string.Join(", ", z.shape)}].", nameof(z));
        if (speakerIds.dim() != 1 || speakerIds.shape[0] != z.shape[0])
        {
            throw new ArgumentException(
                $"Expected speakerIds [{z.shape[0]}], got [{string.Join(", ", speakerIds.shape)}].",
                nameof(speakerIds)
            );
        }

        if (!(tau > 0))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "Temperature must be > 0.");
        var s = torch.NewDisposeScope();
        scope = s;
        // Half precision cannot hold the masked logits or exp(1/τ) reliably: compute in float32.
        var zf = z.dtype == ScalarType.Float64 ? z : z.to(ScalarType.Float32);
        var zn = nn.functional.normalize(zf, p: 2, dim: 1); // [N, D]
        var ids = speakerIds.to(z.device);
        var same = ids.unsqueeze(1).eq(ids.unsqueeze(0)); // [N, N]
        var eye = torch.eye(z.shape[0], dtype: ScalarType.Bool, device: z.device); // [N, N]
        return (zn, same, eye);
    }

    /// <summary>Mean of <paramref name="values"/> where <paramref name="valid"/>; 0 (with a graph) if none
    /// is.</summary>
    private static Tensor MeanOver(Tensor values, Tensor valid, Tensor z)
    {
        var count = valid.sum().item<long>();
        if (count == 0)
            return (z.sum() * Held(0.0)).to(values.dtype);
        // where (not multiply) so masked entries cannot turn into NaN.
        return torch.where(valid, values, torch.zeros_like(values)).sum() / Held((double)count);
    }
}
