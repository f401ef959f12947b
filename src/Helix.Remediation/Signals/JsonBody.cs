using System.Text.Json;

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
        return document;
    }
}
