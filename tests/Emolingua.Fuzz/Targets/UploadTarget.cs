using System.Text.Json;
using Emolingua.Features;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Server;
using Microsoft.AspNetCore.Http;
using static TorchSharp.torch;

namespace Emolingua.Fuzz;

/// <summary>
/// The service's upload path in process, as POST /api/predict runs it: the body spooled to a file (raw, or the first
/// file part of a multipart body), decoded by content, classified by a real (tiny, random) TorchSharp model of 1 s
/// windows, and the answer serialised to JSON (which refuses NaN, as the service would). The first byte picks the
/// content type: raw, multipart with the boundary "b", or multipart without a boundary.
/// </summary>
internal static class UploadTarget
{
    private const long MaxUploadBytes = 1_000_000;
    private const double MaxSeconds = 30;
    private static readonly Lazy<(EmotionRecognizer Recognizer, UploadPredictor Predictor)> Model = new(Create);

    private static (EmotionRecognizer, UploadPredictor) Create()
    {
        random.manual_seed(0);
        var encoder = new WhisperEncoder(new WhisperConfig(64, 1, 4, 128), WhisperAudio.PositionsFor(1.0));
        var engine = new TorchEmotionEngine(
            new EmotionClassifier(encoder, 4, 32, 0.1),
            1.0,
            "fuzz",
            ["angry", "happy", "neutral", "sad"],
            ownsModel: true
        );
        var recognizer = new EmotionRecognizer(engine);
        return (recognizer, new UploadPredictor(recognizer, MaxSeconds));
    }

    public static void Run(byte[] data)
    {
        if (data.Length == 0)
            return;
        var (recognizer, predictor) = Model.Value;
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = (data[0] % 3) switch
        {
            0 => "application/octet-stream",
            1 => "multipart/form-data; boundary=b",
            _ => "multipart/form-data",
        };
        context.Request.Body = new MemoryStream(data, 1, data.Length - 1, writable: false);
        context.Request.ContentLength = data.Length - 1;
        using var upload = SpooledUpload
            .ReadAsync(context.Request, MaxUploadBytes, CancellationToken.None)
            .GetAwaiter()
            .GetResult();
        var prediction = predictor.Predict(upload.Path);
        JsonSerializer.Serialize(ApiResponses.Prediction(prediction, recognizer.Labels), ApiResponses.Json);
    }
}
