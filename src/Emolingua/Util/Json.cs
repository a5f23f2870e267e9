using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Emolingua.Util;

/// <summary>
/// The one way Emolingua writes JSON: every key snake_case (the property's name through the policy; an attribute only
/// where a file's key differs from it), files a person opens indented with nulls left out (<see cref="Indented"/>),
/// log lines compact (<see cref="Compact"/>), recipes and trainer state strict (<see cref="SnakeCase"/>); every file is
/// written atomically. (JSON nodes keep their null values whatever the options say.)
/// </summary>
public static class Json
{
    public static readonly JsonSerializerOptions Indented = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static readonly JsonSerializerOptions Compact = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Recipes and trainer state: snake_case names, unknown keys refused (a misspelt key cannot silently fall back to a
    /// default), comments and trailing commas allowed; nulls are written, so recipe.json stays byte-identical for
    /// --resume.
    /// </summary>
    public static readonly JsonSerializerOptions SnakeCase = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>A node as text: indented for files, compact (one line) otherwise.</summary>
    public static string Text(JsonNode node, bool indented = true) => node.ToJsonString(indented ? Indented : Compact);

    /// <summary>Writes <paramref name="node"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, JsonNode node, bool indented = true) =>
        AtomicFile.WriteAllText(path, Text(node, indented));

    /// <summary>Serialises <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Save<T>(string path, T value, JsonSerializerOptions? options = null) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, options ?? Indented));
}
