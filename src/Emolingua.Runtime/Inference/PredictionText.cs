using System.Globalization;
using System.Text.Json.Nodes;

namespace Emolingua.Inference;

/// <summary>How <c>predict</c> prints a prediction on the console: a tab-separated line, a JSON object, or a
/// timeline.</summary>
public static class PredictionText
{
    /// <summary>path, label, then "class probability" pairs with 3 decimals.</summary>
    public static string Line(
        string path,
        EmotionPrediction p,
        IReadOnlyList<string> labels,
        double minConfidence = 0
    ) =>
        $"{path}\t{p.LabelAt(minConfidence)}\t"
        + string.Join(
            "  ",
            labels.Select(l => $"{l} {p.Probabilities[l].ToString("0.000", CultureInfo.InvariantCulture)}")
        );

    /// <summary>{"path", "label", "probabilities"} (6 decimals) and, when asked, "duration_s" and "segments" (one
    /// object per window).</summary>
    public static JsonObject Json(
        string path,
        EmotionPrediction p,
        IReadOnlyList<string> labels,
        double minConfidence = 0,
        bool segments = false
    )
    {
        JsonObject Probabilities(IReadOnlyDictionary<string, float> probabilities)
        {
            var o = new JsonObject();
            foreach (var l in labels)
                o[l] = Math.Round(probabilities[l], 6);
            return o;
        }
        var json = new JsonObject
        {
            ["path"] = path,
            ["label"] = p.LabelAt(minConfidence),
            ["probabilities"] = Probabilities(p.Probabilities),
        };
        if (segments)
        {
            json["duration_s"] = Math.Round(p.DurationSeconds, 3);
            json["segments"] = new JsonArray(
                p.Segments.Select(s =>
                        (JsonNode)
                            new JsonObject
                            {
                                ["start_s"] = Math.Round(s.StartSeconds, 3),
                                ["end_s"] = Math.Round(s.EndSeconds, 3),
                                ["label"] = s.LabelAt(minConfidence),
                                ["probabilities"] = Probabilities(s.Probabilities),
                            }
                    )
                    .ToArray()
            );
        }
        return json;
    }

    /// <summary>
    /// A readable timeline of a long recording: one line per run of consecutive windows with the same label, "start-end
    /// label confidence", the confidence being the mean over the run's windows of their top probability (that of the
    /// label, unless the run is uncertain). Neighbouring lines overlap by half a window, as the windows do.
    /// </summary>
    public static IEnumerable<string> Timeline(EmotionPrediction p, double minConfidence = 0)
    {
        var segments = p.Segments;
        var hours = p.DurationSeconds >= 3600;
        var i = 0;
        while (i < segments.Count)
        {
            var label = segments[i].LabelAt(minConfidence);
            var j = i;
            while (j + 1 < segments.Count && segments[j + 1].LabelAt(minConfidence) == label)
                j++;
            // the windows' top probabilities
            var confidence = segments.Skip(i).Take(j - i + 1).Average(s => (double)s.Confidence);
            yield return $"  {Time(segments[i].StartSeconds, hours)}-{Time(segments[j].EndSeconds, hours)}  {label.PadRight(9)}  {confidence.ToString("0.00", CultureInfo.InvariantCulture)}";
            i = j + 1;
        }
    }

    /// <summary>m:ss.s, or h:mm:ss.s for recordings of an hour or more.</summary>
    private static string Time(double seconds, bool hours)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds, 1));
        var s =
            t.Seconds.ToString("00", CultureInfo.InvariantCulture)
            + "."
            + (t.Milliseconds / 100).ToString(CultureInfo.InvariantCulture);
        return hours ? $"{(int)t.TotalHours}:{t.Minutes:00}:{s}" : $"{(int)t.TotalMinutes}:{s}";
    }
}
