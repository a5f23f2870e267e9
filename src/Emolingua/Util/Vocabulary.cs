using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Emolingua.Util;

/// <summary>The paper's three training methods (recipe "method", summary.json and results.json "method").</summary>
[JsonConverter(typeof(VocabularyConverter<TrainingMethod>))]
public enum TrainingMethod
{
    Baseline,
    Contrastive,
    Byol,
}

/// <summary>What early stopping watches on validation (recipe training.metric): higher is better, except
/// loss.</summary>
[JsonConverter(typeof(VocabularyConverter<ValidationMetric>))]
public enum ValidationMetric
{
    Uar,
    Accuracy,
    MacroF1,
    Loss,
}

/// <summary>BYOL's target-network EMA schedule (recipe byol.ema_schedule): τ constant, or rising from τ to 1 on a
/// cosine.</summary>
[JsonConverter(typeof(VocabularyConverter<EmaCurve>))]
public enum EmaCurve
{
    Constant,
    Cosine,
}

/// <summary>Where CL stage 1 and BYOL take unlabeled low-resource speech from (recipe data.unlabeled).</summary>
[JsonConverter(typeof(VocabularyConverter<UnlabeledSource>))]
public enum UnlabeledSource
{
    [JsonStringEnumMemberName("commonvoice")]
    CommonVoice,
    Target,
}

/// <summary>CL stage 1's objective (recipe contrastive.loss): NT-Xent (the paper's Eq. 1) or supervised
/// contrastive.</summary>
[JsonConverter(typeof(VocabularyConverter<ContrastiveLoss>))]
public enum ContrastiveLoss
{
    Ntxent,
    Supcon,
}

/// <summary>Few-shot adaptation: the head on frozen, cached embeddings, or the whole model fine-tuned.</summary>
[JsonConverter(typeof(VocabularyConverter<AdaptationMode>))]
public enum AdaptationMode
{
    Head,
    Full,
}

/// <summary>Whether an experiment cell's run and evaluation succeeded (results.json "status").</summary>
[JsonConverter(typeof(VocabularyConverter<CellStatus>))]
public enum CellStatus
{
    Ok,
    Failed,
}

/// <summary>
/// The written names of a closed set of values: snake_case of the member, or its <see cref="JsonStringEnumMemberName"/>
/// where the file's spelling differs. Every file and option reads and writes these names through here, so a name is
/// spelt once and a misspelt one is refused in one line with the nearest known name.
/// </summary>
public static class Vocabulary<T>
    where T : struct, Enum
{
    private static readonly (T Value, string Name)[] Entries = typeof(T)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f =>
            (
                (T)f.GetValue(null)!,
                f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                    ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(f.Name)
            )
        )
        .ToArray();

    /// <summary>Every name, in declaration order.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>The names for an error message: "a, b or c".</summary>
    public static string Listed { get; } =
        Names.Count == 1 ? Names[0] : string.Join(", ", Names.SkipLast(1)) + " or " + Names[^1];

    public static string Name(T value) => Entries.First(e => e.Value.Equals(value)).Name;

    public static bool TryParse(string? text, out T value)
    {
        foreach (var e in Entries)
        {
            if (e.Name == text)
            {
                value = e.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The value named <paramref name="text"/>, else "<paramref name="what"/> 'x' (a, b or c) (did you mean
    /// 'y'?)".</summary>
    public static T Parse(string? text, string what) =>
        TryParse(text, out var value) ? value : throw new EmolinguaException($"{what} {Unknown(text ?? "null")}");

    /// <summary>"'x' (a, b or c)" with the nearest name when <paramref name="text"/> looks like a typo of
    /// one.</summary>
    public static string Unknown(string text) => $"'{text}' ({Listed}){DidYouMean.Hint(text, Names)}";
}

public static class VocabularyNames
{
    /// <summary>The value's written name (see <see cref="Vocabulary{T}"/>).</summary>
    public static string Name<T>(this T value)
        where T : struct, Enum => Vocabulary<T>.Name(value);
}

/// <summary>Reads and writes a <see cref="Vocabulary{T}"/> value as its name, whatever the serializer
/// options.</summary>
public sealed class VocabularyConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"is not one of {Vocabulary<T>.Listed}");
        var text = reader.GetString();
        return Vocabulary<T>.TryParse(text, out var value)
            ? value
            : throw new JsonException(Vocabulary<T>.Unknown(text ?? ""));
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Vocabulary<T>.Name(value));

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Vocabulary<T>.TryParse(text, out var value)
            ? value
            : throw new JsonException(Vocabulary<T>.Unknown(text ?? ""));
    }

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WritePropertyName(Vocabulary<T>.Name(value));
}
