using System.Text.Json;
using Helix.Hosting;

namespace Helix.Remediation.Signals;

/// <summary>A webhook body that must be a JSON object; anything else is a <see cref="FormatException"/> with the reason.</summary>
internal static class JsonBody
{
    /// <summary>The parsed body; the caller disposes it and reads its root object.</summary>
    public static JsonDocument ParseObject(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}", e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new FormatException("the body must be a JSON object");
        }
        string? problem;
        try
        {
            problem = Unkeepable(document.RootElement, "$");
        }
        catch (InvalidOperationException)
        {
            problem = "a property name in the body is not Unicode text"; // JsonProperty.Name transcodes it
        }
        if (problem is not null)
        {
            // Refused whole, before anything of it is recorded: the decision log (PostgreSQL) cannot keep it.
            document.Dispose();
            throw new FormatException(problem);
        }
        return document;
    }

    /// <summary>Where the body holds text the decision log cannot keep: not Unicode, or a NUL character.</summary>
    private static string? Unkeepable(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if ((Text(property.Name, $"{path} (a key)") ?? Unkeepable(property.Value, $"{path}.{Printable(property.Name)}")) is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Unkeepable(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonValueKind.String:
                try
                {
                    return Text(element.GetString()!, path);
                }
                catch (InvalidOperationException)
                {
                    return $"{path} is not Unicode text (invalid UTF-8 or an unpaired surrogate escape)";
                }
            default:
                return null;
        }
    }

    private static string? Text(string text, string path) =>
        UnicodeText.StorageProblem(text) is { } problem ? $"{path} {problem}, which the decision log cannot keep" : null;

    private static string Printable(string name) => name.Length <= 64 && !name.Any(char.IsControl) ? name : "?";
}
