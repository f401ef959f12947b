using System.Text.Json;

namespace Helix.Platform.Simulation;

/// <summary>
/// Kyverno's <c>validate.pattern</c> on a resource, for the forms Helix's policies use: plain keys,
/// conditional anchors <c>=(key)</c> (checked only when present), negation anchors <c>X(key)</c>,
/// a list pattern applied to every element, and text with <c>*</c>/<c>?</c> wildcards, <c>|</c>
/// alternatives and <c>!</c> negation.
/// </summary>
internal static class KyvernoPattern
{
    /// <summary>The path of the first field that does not match; null when the resource matches.</summary>
    public static string? Mismatch(JsonElement? value, JsonElement pattern, string path = "")
    {
        switch (pattern.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in pattern.EnumerateObject())
                {
                    var (key, anchor) = property.Name switch
                    {
                        ['=', '(', .. var inner, ')'] => (inner, '='),
                        ['X', '(', .. var inner, ')'] => (inner, 'X'),
                        _ => (property.Name, ' '),
                    };
                    var field = value is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(key, out var f) ? f : (JsonElement?)null;
                    var at = $"{path}.{key}";
                    if (anchor == 'X')
                    {
                        if (field is not null)
                        {
                            return at;
                        }
                        continue;
                    }
                    if (field is null)
                    {
                        if (anchor == '=')
                        {
                            continue;
                        }
                        return at;
                    }
                    if (Mismatch(field, property.Value, at) is { } mismatch)
                    {
                        return mismatch;
                    }
                }
                return null;
            case JsonValueKind.Array:
                if (value is not { ValueKind: JsonValueKind.Array } list)
                {
                    return path;
                }
                var element = pattern.EnumerateArray().FirstOrDefault();
                var index = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Undefined && Mismatch(item, element, $"{path}[{index}]") is { } mismatch)
                    {
                        return mismatch;
                    }
                    index++;
                }
                return null;
            case JsonValueKind.String:
                return value is { } v && Text(v) is { } text && Matches(text, pattern.GetString()!) ? null : path;
            default:
                return value is { } scalar && scalar.GetRawText() == pattern.GetRawText() ? null : path;
        }
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static bool Matches(string text, string pattern) =>
        pattern.Split('|').Select(p => p.Trim()).Any(alternative => alternative.StartsWith('!')
            ? !Wildcard(text, alternative[1..])
            : Wildcard(text, alternative));

    // * is any run of characters, ? any one; matched without regular expressions (patterns come from the tree).
    private static bool Wildcard(string text, string pattern)
    {
        int t = 0, p = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>Whether a policy's glob (Argo CD's and Kyverno's <c>*</c> and <c>?</c>) matches.</summary>
    public static bool Glob(string text, string pattern) =>
        pattern == "*" || string.Equals(text, pattern, StringComparison.Ordinal) || (pattern.IndexOfAny(['*', '?']) >= 0 && Wildcard(text, pattern));
}
