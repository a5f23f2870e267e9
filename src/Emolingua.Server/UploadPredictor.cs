using Emolingua.Audio;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Util;
using Microsoft.AspNetCore.Http;

namespace Emolingua.Server;

/// <summary>
/// Decodes an uploaded file by its content (WAV and MP3 built in, anything else through ffmpeg) and classifies it,
/// turning what is wrong with the audio into <see cref="ApiError"/>s: 415 when it does not decode, 400 when it holds
/// no samples, 413 when it is longer than the limit (read from the headers first, so a small file that would decode
/// to hours of audio is refused before it is decoded).
/// </summary>
internal sealed class UploadPredictor(EmotionRecognizer recognizer, double maxSeconds)
{
    public EmotionPrediction Predict(string path)
    {
        var info = Decode(path, AudioFile.Probe);
        CheckDuration(info.DurationSeconds);
        var samples = Decode(path, p => AudioFile.Read(p, WhisperAudio.SampleRate).Samples);
        CheckDuration(samples.Length / (double)WhisperAudio.SampleRate);
        try
        {
            return recognizer.PredictClips([samples])[0];
        }
        catch (NonFiniteOutputException e)
        {
            throw new ApiError(StatusCodes.Status422UnprocessableEntity, e.Problem);
        }
    }

    private void CheckDuration(double seconds)
    {
        if (seconds > maxSeconds)
        {
            throw new ApiError(
                StatusCodes.Status413PayloadTooLarge,
                $"audio is {seconds:0.0} s long; this server takes at most {maxSeconds:0.###} s (--max-seconds)"
            );
        }
    }

    /// <summary>Any failure to read the bytes as audio is the client's (a 415), whatever the decoder threw.</summary>
    private static T Decode<T>(string path, Func<string, T> decode)
    {
        try
        {
            return decode(path);
        }
        catch (EmptyAudioException)
        {
            throw new ApiError(StatusCodes.Status400BadRequest, "the audio holds no samples");
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // Messages name the temporary file; the client knows it as its upload.
            var problem =
                e is EmolinguaException { File: { } file }
                && e.Message.StartsWith(file + ": ", StringComparison.Ordinal)
                    ? e.Message[(file.Length + 2)..]
                    : e.Message;
            throw new ApiError(
                StatusCodes.Status415UnsupportedMediaType,
                "cannot decode the upload as audio: " + problem.Replace(path, "upload").ReplaceLineEndings(" ")
            );
        }
    }
}
