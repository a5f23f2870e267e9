using System.Text.Json.Nodes;

namespace Emolingua.Inference;

/// <summary>
/// The JSON messages of a live stream, shared by the WebSocket (<c>GET /api/stream</c>) and <c>predict --stream
/// --json</c>:
/// <c>{"type": "window", "start_s", "end_s", "label", "probabilities", "confidence", "smoothed_label"}</c>,
/// <c>{"type": "silence", "start_s", "end_s"}</c> and <c>{"type": "end", "label", "probabilities", "duration_s"}</c>.
/// Times have 3 decimals and probabilities 6, as predict --json prints them; probabilities keep the model's label
/// order.
/// </summary>
public static class StreamJson
{
    /// <summary>A window or silence event as its JSON message.</summary>
    /// <param name="e">The event.</param>
    /// <param name="labels">The model's labels, for the order of the probabilities.</param>
    public static JsonObject Event(StreamEvent e, IReadOnlyList<string> labels) =>
        e switch
        {
            WindowEvent w => new JsonObject
            {
                ["type"] = "window",
                ["start_s"] = Math.Round(w.StartSeconds, 3),
                ["end_s"] = Math.Round(w.EndSeconds, 3),
                ["label"] = w.Label,
                ["probabilities"] = Probabilities(w.Probabilities, labels),
                ["confidence"] = Math.Round(w.Confidence, 6),
                ["smoothed_label"] = w.SmoothedLabel,
            },
            SilenceEvent s => new JsonObject
            {
                ["type"] = "silence",
                ["start_s"] = Math.Round(s.StartSeconds, 3),
                ["end_s"] = Math.Round(s.EndSeconds, 3),
            },
            _ => throw new ArgumentException($"unknown stream event {e.GetType().Name}"),
        };

    /// <summary>The whole-stream result as the <c>end</c> message.</summary>
    /// <param name="p">The whole-stream prediction.</param>
    /// <param name="labels">The model's labels, for the order of the probabilities.</param>
    public static JsonObject End(EmotionPrediction p, IReadOnlyList<string> labels) =>
        new()
        {
            ["type"] = "end",
            ["label"] = p.Label,
            ["probabilities"] = Probabilities(p.Probabilities, labels),
            ["duration_s"] = Math.Round(p.DurationSeconds, 3),
        };

    private static JsonObject Probabilities(
        IReadOnlyDictionary<string, float> probabilities,
        IReadOnlyList<string> labels
    )
    {
        var o = new JsonObject();
        foreach (var l in labels)
            o[l] = Math.Round(probabilities[l], 6);
        return o;
    }
}
