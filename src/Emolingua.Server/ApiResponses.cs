using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Inference;

namespace Emolingua.Server;

/// <summary>The JSON bodies of the API. Probabilities keep the model's label order.</summary>
internal static class ApiResponses
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static PredictResponse Prediction(EmotionPrediction p, IReadOnlyList<string> labels) =>
        new(
            p.Label,
            Ordered(p.Probabilities, labels),
            p.DurationSeconds,
            p.Segments.Select(s => new SegmentResponse(
                    s.StartSeconds,
                    s.EndSeconds,
                    s.Label,
                    Ordered(s.Probabilities, labels)
                ))
                .ToList()
        );

    private static OrderedDictionary<string, float> Ordered(
        IReadOnlyDictionary<string, float> probabilities,
        IReadOnlyList<string> labels
    )
    {
        var ordered = new OrderedDictionary<string, float>(labels.Count);
        foreach (var l in labels)
            ordered.Add(l, probabilities[l]);
        return ordered;
    }
}

internal sealed record PredictResponse(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("probabilities")] OrderedDictionary<string, float> Probabilities,
    [property: JsonPropertyName("duration_s")] double DurationSeconds,
    [property: JsonPropertyName("segments")] IReadOnlyList<SegmentResponse> Segments
);

internal sealed record SegmentResponse(
    [property: JsonPropertyName("start_s")] double StartSeconds,
    [property: JsonPropertyName("end_s")] double EndSeconds,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("probabilities")] OrderedDictionary<string, float> Probabilities
);

internal sealed record ModelResponse(
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("window_s")] double WindowSeconds,
    [property: JsonPropertyName("engine")] string Engine,
    [property: JsonPropertyName("sample_rate")] int SampleRate,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("limits")] LimitsResponse Limits
);

internal sealed record LimitsResponse(
    [property: JsonPropertyName("max_upload_mb")] double MaxUploadMegabytes,
    [property: JsonPropertyName("max_seconds")] double MaxSeconds,
    [property: JsonPropertyName("max_concurrent")] int MaxConcurrent,
    [property: JsonPropertyName("queue")] int Queue
);

internal sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("running")] int Running,
    [property: JsonPropertyName("waiting")] int Waiting
);

internal sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);
