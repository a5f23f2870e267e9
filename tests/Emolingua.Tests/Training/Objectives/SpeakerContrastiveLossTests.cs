using Emolingua.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Tests.Training.Objectives;

public class SpeakerContrastiveLossTests
{
    // Cases and constants from reference/contrastive_reference.py (numpy float64, loops over the formulas).
    private static Tensor FourIn2D(ScalarType dtype = ScalarType.Float64) =>
        torch.tensor(new double[] { 1.0, 0.0, 0.8, 0.6, 0.0, 1.0, -0.6, 0.8 }, new long[] { 4, 2 }).to(dtype);

    private static readonly long[] FourSpeakers = { 0, 0, 1, 1 };

    private static Tensor SixIn3D() =>
        torch.tensor(
            new double[]
            {
                1.0,
                0.2,
                0.0,
                0.9,
                -0.1,
                0.3,
                0.7,
                0.5,
                -0.2,
                -0.3,
                1.0,
                0.4,
                0.1,
                0.8,
                0.9,
                0.5,
                -0.5,
                1.0,
            },
            new long[] { 6, 3 }
        );

    private static readonly long[] SixSpeakers = { 7, 7, 7, 3, 3, 9 }; // speaker 9 has no positive

    [Fact]
    public void NtXentMatchesHandComputedFourVectors()
    {
        // By hand (τ = 0.5, s/τ: s01 = 1.6, s02 = 0, s03 = −1.2, s12 = 1.2, s13 = 0, s23 = 1.6):
        // l01 = l32 = −1.6 + log(1 + e^−1.2) = −1.336718; l10 = l23 = −1.6 + log(e^1.2 + 1) = −0.136717.
        using var scope = torch.NewDisposeScope();
        var loss = SpeakerContrastiveLoss.NtXent(FourIn2D(), FourSpeakers, 0.5);
        Assert.Equal(-0.7367175327, loss.item<double>(), 9);
        var loss32 = SpeakerContrastiveLoss.NtXent(FourIn2D(ScalarType.Float32), FourSpeakers, 0.5);
        Assert.Equal(ScalarType.Float32, loss32.dtype);
        Assert.Equal(-0.7367175327, loss32.item<float>(), 5);
    }

    [Fact]
    public void NtXentMatchesReferenceWithSeveralPositivesAndASingleton()
    {
        using var scope = torch.NewDisposeScope();
        var loss = SpeakerContrastiveLoss.NtXent(SixIn3D(), SixSpeakers, 0.1);
        Assert.Equal(-3.9148996867, loss.item<double>(), 8);
    }

    [Fact]
    public void SupConMatchesReference()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(0.4301902781, SpeakerContrastiveLoss.SupCon(FourIn2D(), FourSpeakers, 0.5).item<double>(), 8);
        Assert.Equal(0.7467292399, SpeakerContrastiveLoss.SupCon(SixIn3D(), SixSpeakers, 0.1).item<double>(), 8);
    }

    [Fact]
    public void LossesAreInvariantToScalingEmbeddings()
    {
        using var scope = torch.NewDisposeScope();
        var z = SixIn3D();
        var scaled = z * torch.tensor(new double[] { 2, 0.5, 10, 3, 0.01, 7 }).unsqueeze(1);
        Assert.Equal(
            SpeakerContrastiveLoss.NtXent(z, SixSpeakers, 0.1).item<double>(),
            SpeakerContrastiveLoss.NtXent(scaled, SixSpeakers, 0.1).item<double>(),
            9
        );
        Assert.Equal(
            SpeakerContrastiveLoss.SupCon(z, SixSpeakers, 0.1).item<double>(),
            SpeakerContrastiveLoss.SupCon(scaled, SixSpeakers, 0.1).item<double>(),
            9
        );
    }

    /// <summary>Speaker ids given as a tensor (as the trainer passes them) give the hand-computed and reference
    /// values.</summary>
    [Fact]
    public void TensorLabelsGiveHandComputedAndReferenceValues()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(
            -0.7367175327,
            SpeakerContrastiveLoss.NtXent(FourIn2D(), torch.tensor(FourSpeakers), 0.5).item<double>(),
            9
        );
        Assert.Equal(
            -3.9148996867,
            SpeakerContrastiveLoss.NtXent(SixIn3D(), torch.tensor(SixSpeakers), 0.1).item<double>(),
            8
        );
        Assert.Equal(
            0.4301902781,
            SpeakerContrastiveLoss.SupCon(FourIn2D(), torch.tensor(FourSpeakers), 0.5).item<double>(),
            8
        );
    }

    [Theory]
    [InlineData("ntxent")]
    [InlineData("supcon")]
    public void GradientFlowsAndIsFinite(string which)
    {
        using var scope = torch.NewDisposeScope();
        var z = SixIn3D().to(ScalarType.Float32).requires_grad_(true);
        var loss =
            which == "ntxent"
                ? SpeakerContrastiveLoss.NtXent(z, SixSpeakers, 0.1)
                : SpeakerContrastiveLoss.SupCon(z, SixSpeakers, 0.1);
        loss.backward();
        Assert.NotNull(z.grad);
        Assert.True(z.grad!.isfinite().all().item<bool>());
        Assert.True(z.grad.abs().sum().item<float>() > 0);
        // A gradient step lowers the loss.
        using (torch.no_grad())
        {
            var stepped = z - 0.01 * z.grad;
            var after =
                which == "ntxent"
                    ? SpeakerContrastiveLoss.NtXent(stepped, SixSpeakers, 0.1)
                    : SpeakerContrastiveLoss.SupCon(stepped, SixSpeakers, 0.1);
            Assert.True(after.item<float>() < loss.item<float>());
        }
    }

    [Theory]
    [InlineData("ntxent", new long[] { 1, 2, 3, 4 })] // no positives at all
    [InlineData("supcon", new long[] { 1, 2, 3, 4 })]
    [InlineData("ntxent", new long[] { 5, 5, 5, 5 })] // one speaker: no negatives for Eq. 1
    public void BatchesWithoutValidPairsGiveZeroNotNaN(string which, long[] speakers)
    {
        using var scope = torch.NewDisposeScope();
        var z = FourIn2D(ScalarType.Float32).requires_grad_(true);
        var loss =
            which == "ntxent"
                ? SpeakerContrastiveLoss.NtXent(z, speakers, 0.5)
                : SpeakerContrastiveLoss.SupCon(z, speakers, 0.5);
        Assert.Equal(0f, loss.item<float>());
        loss.backward();
        Assert.True(z.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void AnchorsWithoutPositivesAreExcludedNotNaN()
    {
        using var scope = torch.NewDisposeScope();
        var z = SixIn3D().to(ScalarType.Float32).requires_grad_(true);
        var loss = SpeakerContrastiveLoss.SupCon(z, SixSpeakers, 0.07);
        loss.backward();
        Assert.True(float.IsFinite(loss.item<float>()));
        Assert.True(z.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void LeavesOnlyTheResultInTheCallersScope()
    {
        using var scope = torch.NewDisposeScope();
        var z = SixIn3D();
        var ids = torch.tensor(SixSpeakers);
        var before = scope.DisposablesCount;
        SpeakerContrastiveLoss.NtXent(z, ids, 0.1);
        SpeakerContrastiveLoss.SupCon(z, ids, 0.1);
        Assert.Equal(before + 2, scope.DisposablesCount);
    }

    [Fact]
    public void RejectsMismatchedLabels()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => SpeakerContrastiveLoss.NtXent(FourIn2D(), new long[] { 0, 0, 1 }, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpeakerContrastiveLoss.SupCon(FourIn2D(), FourSpeakers, 0));
    }
}
