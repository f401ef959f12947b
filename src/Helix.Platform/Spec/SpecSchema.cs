using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;

namespace Helix.Platform.Spec;

/// <summary>
/// The JSON Schema of <c>helix.yaml</c>, derived from the spec records so the two cannot drift;
/// <c>platform/helix.schema.json</c> is this, committed, and editors complete the spec from it.
/// </summary>
public static class SpecSchema
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The schema text: stable key order, two-space indentation, LF, final newline.</summary>
    public static string Generate()
    {
        var schema = Options.GetJsonSchemaAsNode(typeof(PlatformSpec), new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
        });
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://helix.example.com/schemas/helix.schema.json",
            ["title"] = "Helix platform spec (platform/helix.yaml)",
        };
        foreach (var (key, value) in schema.AsObject().ToList())
        {
            schema.AsObject().Remove(key);
            root[key] = value;
        }
        var text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return text.ReplaceLineEndings("\n") + "\n";
    }
}
