using Emolingua.Features;

namespace Emolingua.Tests.Features;

public class MelFilterBankTests
{
    [Fact]
    public void HertzToMelMatchesTransformersTestValues()
    {
        // transformers tests/utils/test_audio_utils.py: hertz_to_mel([60, 100, 200, 1000, 1001, 2000], "slaney")
        double[] hz = { 60, 100, 200, 1000, 1001, 2000 };
        double[] expected = { 0.9, 1.5, 3.0, 15.0, 15.01453781, 25.08188016 };
        for (var i = 0; i < hz.Length; i++)
            Assert.Equal(expected[i], MelFilterBank.HzToMel(hz[i]), 7);
        Assert.Equal(45.245640471924965, MelFilterBank.HzToMel(8000), 10);
        Assert.Equal(1234.5, MelFilterBank.MelToHz(MelFilterBank.HzToMel(1234.5)), 9);
    }

    [Fact]
    public void SlaneyNormMatchesTransformersTestMatrix()
    {
        // transformers test_mel_filter_bank_slaney_norm: 16 bins, 4 mels, 0–2000 Hz at 4 kHz; printed as [freq, mel].
        double[,] expected =
        {
            { 0, 0, 0, 0 },
            { 1.19217795e-03, 0, 0, 0 },
            { 2.38435591e-03, 0, 0, 0 },
            { 2.40387905e-03, 5.86232616e-04, 0, 0 },
            { 1.21170110e-03, 1.77821783e-03, 0, 0 },
            { 1.95231437e-05, 2.97020305e-03, 0, 0 },
            { 0, 1.81763684e-03, 1.04857612e-03, 0 },
            { 0, 6.26036972e-04, 2.11460963e-03, 0 },
            { 0, 0, 2.26505954e-03, 3.07332945e-04 },
            { 0, 0, 1.40202503e-03, 9.54861093e-04 },
            { 0, 0, 5.38990521e-04, 1.60238924e-03 },
            { 0, 0, 0, 1.83458185e-03 },
            { 0, 0, 0, 1.37593638e-03 },
            { 0, 0, 0, 9.17290923e-04 },
            { 0, 0, 0, 4.58645462e-04 },
            { 0, 0, 0, 0 },
        };
        var f = MelFilterBank.Create(16, 4, 0, 2000, 4000);
        for (var k = 0; k < 16; k++)
        {
            for (var m = 0; m < 4; m++)
            {
                Assert.True(
                    Math.Abs(expected[k, m] - f[m, k]) < 1e-10,
                    $"bin {k} mel {m}: expected {expected[k, m]}, got {f[m, k]}"
                );
            }
        }
    }

    [Fact]
    public void WhisperBankMatchesSpecDerivedValues()
    {
        var f = MelFilterBank.Create(201, 80, 0, 8000, 16000);
        // Filter 0 has a single non-zero weight at bin 1 (40 Hz).
        Assert.Equal(0.0248625940, f[0, 1], 9);
        for (var k = 0; k < 201; k++)
        {
            if (k != 1)
                Assert.Equal(0.0, f[0, k]);
        }

        Assert.Equal(0.0019908219, f[1, 1], 9);
        Assert.Equal(0.0228717721, f[1, 2], 9);
        Assert.Equal(0.0054111051, f[40, 42], 9);
        Assert.Equal(0.0147355657, f[40, 43], 9);
        Assert.Equal(0.0065181897, f[40, 44], 9);
        double[] row79 = { 0.0003667417, 0.0008330700, 0.0012993984, 0.0017657267, 0.0022320551, 0.0026983834 };
        for (var i = 0; i < row79.Length; i++)
            Assert.Equal(row79[i], f[79, 186 + i], 9);
        double sum79 = 0;
        for (var k = 0; k < 201; k++)
            sum79 += f[79, k];
        Assert.Equal(0.0249253397, sum79, 9);
    }
}
