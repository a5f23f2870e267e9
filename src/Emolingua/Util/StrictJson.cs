using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Emolingua.Util;

/// <summary>
/// Binds hand-written JSON (recipes) to a settings class so that every mistake is one line naming the key:
/// unknown keys (with the nearest known one, "did you mean"), and values of the wrong type ("training.batch_size:
/// "big" is not an integer") instead of System.Text.Json's messages about .NET types. The known keys come from the
/// serializer's own contract for the type, so they cannot drift from what it binds.
/// </summary>
public static class StrictJson
{
    private static readonly DefaultJsonTypeInfoResolver Resolver = new();

    /// <summary>Checks <paramref name="node"/> against <typeparamref name="T"/>'s keys and types, then deserializes
    /// it.</summary>
    /// <param name="source">Names the input in errors (the recipe file).</param>
    public static T Bind<T>(JsonNode node, JsonSerializerOptions options, string source)
        where T : new()
    {
        Check(node, typeof(T), options, source, "", typeof(T));
        try
        {
            return node.Deserialize<T>(options) ?? new T();
        }
        catch (JsonException e)
        {
            // Anything the walk above let through: keep the key path, drop the .NET type names.
            var at = e.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') + ": " : "";
            throw new EmolinguaException(
                source,
                $"{at}invalid value ({e.Message.Split('.')[0].Replace("System.", "")})"
            );
        }
    }

    /// <summary>
    /// Checks an override <c>--set a.b=value</c>: the dotted key must name a setting of <paramref name="root"/> and the
    /// value must fit it; errors name <paramref name="option"/>.
    /// </summary>
    public static void CheckOverride(
        Type root,
        JsonSerializerOptions options,
        string dottedKey,
        JsonNode? value,
        string option
    )
    {
        var current = root;
        var walked = "";
        foreach (var segment in dottedKey.Split('.'))
        {
            var info = Resolver.GetTypeInfo(Nullable.GetUnderlyingType(current) ?? current, options);
            if (info.Kind == JsonTypeInfoKind.Dictionary)
                return; // free-form keys (e.g. "sources")
            if (info.Kind != JsonTypeInfoKind.Object)
            {
                throw new EmolinguaException(
                    option,
                    walked.Length == 0
                        ? $"'{segment}' is not a setting"
                        : $"{walked} is {Expected(current)}, it has no key '{segment}'{(info.Kind == JsonTypeInfoKind.Enumerable ? " (set the whole list as JSON)" : "")}"
                );
            }

            var property = info.Properties.FirstOrDefault(p => p.Name == segment)
                ?? throw new EmolinguaException(
                    option,
                    $"unknown key '{Join(walked, segment)}'{Suggest(root, options, walked, segment, info)}"
                );
            current = property.PropertyType;
            walked = Join(walked, segment);
        }
        Check(value, current, options, option, dottedKey, root);
    }

    private static void Check(
        JsonNode? node,
        Type type,
        JsonSerializerOptions options,
        string source,
        string path,
        Type root
    )
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (node == null)
        {
            if (type.IsValueType && underlying == null)
                throw new EmolinguaException(source, $"{Display(path)}: null is not {Expected(type)}");
            return;
        }
        type = underlying ?? type;
        if (type == typeof(JsonNode))
            return; // raw JSON (experiment overrides)
        var info = Resolver.GetTypeInfo(type, options);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                if (node is not JsonObject obj)
                    throw WrongType(source, path, node, type);
                foreach (var (key, value) in obj)
                {
                    var property = info.Properties.FirstOrDefault(p => p.Name == key)
                        ?? throw new EmolinguaException(
                            source,
                            $"unknown key '{Join(path, key)}'{Suggest(root, options, path, key, info)}"
                        );
                    Check(value, property.PropertyType, options, source, Join(path, key), root);
                }
                break;
            case JsonTypeInfoKind.Enumerable:
                if (node is not JsonArray array)
                    throw WrongType(source, path, node, type);
                for (var i = 0; i < array.Count; i++)
                    Check(array[i], info.ElementType!, options, source, $"{path}[{i}]", root);
                break;
            case JsonTypeInfoKind.Dictionary:
                if (node is not JsonObject map)
                    throw WrongType(source, path, node, type);
                foreach (var (key, value) in map)
                    Check(value, info.ElementType!, options, source, Join(path, key), root);
                break;
            default:
                if (!Fits(node, type))
                    throw WrongType(source, path, node, type);
                if (type.IsEnum) // a Vocabulary name: its converter names the known ones and the nearest
                {
                    try
                    {
                        node.Deserialize(type, options);
                    }
                    catch (JsonException e)
                    {
                        throw new EmolinguaException(source, $"{Display(path)} {e.Message}");
                    }
                }
                break;
        }
    }

    private static bool Fits(JsonNode node, Type type)
    {
        if (node is not JsonValue value)
            return false;
        var kind = value.GetValueKind();
        if (type == typeof(string))
            return kind == JsonValueKind.String;
        if (type == typeof(bool))
            return kind is JsonValueKind.True or JsonValueKind.False;
        if (type == typeof(int))
            return kind == JsonValueKind.Number && value.TryGetValue<int>(out _);
        if (type == typeof(long))
            return kind == JsonValueKind.Number && value.TryGetValue<long>(out _);
        if (type == typeof(double) || type == typeof(float))
            return kind == JsonValueKind.Number;
        return true; // other types: left to the serializer
    }

    private static EmolinguaException WrongType(string source, string path, JsonNode node, Type type)
    {
        var text = node.ToJsonString();
        if (text.Length > 40)
            text = text[..37] + "...";
        return new EmolinguaException(source, $"{Display(path)}: {text} is not {Expected(type)}");
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int) || type == typeof(long))
            return "an integer";
        if (type == typeof(double) || type == typeof(float))
            return "a number";
        if (type == typeof(bool))
            return "true or false";
        if (type == typeof(string))
            return "a string";
        return Resolver.GetTypeInfo(type, JsonSerializerOptions.Default).Kind == JsonTypeInfoKind.Enumerable
            ? "a list"
            : "an object";
    }

    /// <summary>A sibling key within a few edits, else the same key in another section ("learning_rate" →
    /// "training.learning_rate").</summary>
    private static string Suggest(
        Type root,
        JsonSerializerOptions options,
        string path,
        string key,
        JsonTypeInfo siblings
    )
    {
        if (DidYouMean.Closest(key, siblings.Properties.Select(p => p.Name)) is { } near)
            return $" (did you mean '{Join(path, near)}'?)";
        var elsewhere = AllKeys(root, options, "", 0)
            .Where(k => k.EndsWith("." + key, StringComparison.Ordinal) || k == key)
            .ToList();
        return elsewhere.Count > 0 ? $" (did you mean '{elsewhere[0]}'?)" : "";
    }

    private static IEnumerable<string> AllKeys(Type type, JsonSerializerOptions options, string path, int depth)
    {
        if (depth > 4)
            yield break;
        var info = Resolver.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type, options);
        if (info.Kind != JsonTypeInfoKind.Object)
            yield break;
        foreach (var p in info.Properties)
        {
            yield return Join(path, p.Name);
            foreach (var k in AllKeys(p.PropertyType, options, Join(path, p.Name), depth + 1))
                yield return k;
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Display(string path) => path.Length == 0 ? "the top level" : path;
}
