namespace Emolingua.Features;

/// <summary>
/// Slaney-scale, Slaney-normalised triangular mel filters, as librosa.filters.mel(htk=False, norm="slaney") and
/// HF mel_filter_bank(norm="slaney", mel_scale="slaney") build them (spec §1.3). Computed in float64.
/// </summary>
public static class MelFilterBank
{
    private const double FSp = 200.0 / 3; // Hz per mel below 1 kHz
    private const double MinLogHz = 1000.0;
    private const double MinLogMel = MinLogHz / FSp; // 15
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    public static double HzToMel(double hz) => hz < MinLogHz ? hz / FSp : MinLogMel + Math.Log(hz / MinLogHz) / LogStep;

    public static double MelToHz(double mel) =>
        mel < MinLogMel ? FSp * mel : MinLogHz * Math.Exp(LogStep * (mel - MinLogMel));

    /// <summary>Filters as [numMels, numFrequencyBins], row-major; frequency bins are linspace(0, sampleRate/2,
    /// numFrequencyBins).</summary>
    public static double[,] Create(int numFrequencyBins, int numMels, double minHz, double maxHz, int sampleRate)
    {
        double minMel = HzToMel(minHz),
            maxMel = HzToMel(maxHz);
        var edgesHz = new double[numMels + 2];
        for (var i = 0; i < edgesHz.Length; i++)
            edgesHz[i] = MelToHz(minMel + (maxMel - minMel) * i / (numMels + 1));
        var fftHz = new double[numFrequencyBins];
        for (var k = 0; k < numFrequencyBins; k++)
            fftHz[k] = (sampleRate / 2.0) * k / (numFrequencyBins - 1);

        var filters = new double[numMels, numFrequencyBins];
        for (var m = 0; m < numMels; m++)
        {
            double lower = edgesHz[m],
                centre = edgesHz[m + 1],
                upper = edgesHz[m + 2];
            var norm = 2.0 / (upper - lower); // constant energy per filter
            for (var k = 0; k < numFrequencyBins; k++)
            {
                var up = (fftHz[k] - lower) / (centre - lower);
                var down = (upper - fftHz[k]) / (upper - centre);
                filters[m, k] = Math.Max(0, Math.Min(up, down)) * norm;
            }
        }
        return filters;
    }

    /// <summary>Whisper's bank: 201 bins, 0–8000 Hz at 16 kHz, as float32 [nMels, 201].</summary>
    public static float[] Whisper(int nMels)
    {
        var f = Create(WhisperAudio.FrequencyBins, nMels, 0, 8000, WhisperAudio.SampleRate);
        var result = new float[nMels * WhisperAudio.FrequencyBins];
        for (var m = 0; m < nMels; m++)
        {
            for (var k = 0; k < WhisperAudio.FrequencyBins; k++)
                result[m * WhisperAudio.FrequencyBins + k] = (float)f[m, k];
        }

        return result;
    }
}
