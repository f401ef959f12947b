using System.Text.Json;
using System.Text.RegularExpressions;

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

    private static bool Wildcard(string text, string pattern) =>
        Regex.IsMatch(text, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));

    /// <summary>Whether a policy's glob (Argo CD's and Kyverno's <c>*</c> and <c>?</c>) matches.</summary>
    public static bool Glob(string text, string pattern) =>
        pattern == "*" || string.Equals(text, pattern, StringComparison.Ordinal) || (pattern.IndexOfAny(['*', '?']) >= 0 && Wildcard(text, pattern));
}
