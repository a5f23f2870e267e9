using System.Text.Json;

namespace Emolingua.Util;

/// <summary>
/// How files people write or download are parsed. A JSON object with the same key twice parses, by default, into a
/// JsonNode that throws ArgumentException ("An item with the same key has already been added") the first time it is
/// read, far from the parse and past the readers' JsonException handling: found by fuzzing the model folder's
/// config.json and recipes. Refused at the parse instead, as invalid JSON.
/// </summary>
internal static class JsonInput
{
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    /// <summary>Recipes: comments and trailing commas allowed, duplicate keys not.</summary>
    public static readonly JsonDocumentOptions Recipe = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };
}
