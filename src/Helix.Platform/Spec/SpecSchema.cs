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

    private static readonly Lazy<Dictionary<string, string>> Documentation = new(LoadDocumentation);

    /// <summary>The XML doc summaries of the spec records, from the documentation file beside the assembly.</summary>
    private static Dictionary<string, string> LoadDocumentation()
    {
        var path = Path.ChangeExtension(typeof(SpecSchema).Assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: the schema's descriptions come from it (GenerateDocumentationFile)", path);
        }
        return System.Xml.Linq.XDocument.Load(path).Descendants("member")
            .Where(m => m.Attribute("name")?.Value.Contains(".Spec.", StringComparison.Ordinal) == true && m.Element("summary") is not null)
            .ToDictionary(
                m => m.Attribute("name")!.Value,
                m => string.Join(' ', string.Concat(m.Element("summary")!.Nodes().Select(n => n is System.Xml.Linq.XElement e ? (e.Attribute("cref")?.Value.Split('.')[^1] ?? e.Value) : n.ToString()))
                    .Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries)), StringComparer.Ordinal);
    }

    /// <summary>The schema text: stable key order, two-space indentation, LF, final newline.</summary>
    public static string Generate()
    {
        var docs = Documentation.Value;
        var schema = Options.GetJsonSchemaAsNode(typeof(PlatformSpec), new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            // Editors show these as hover text and completion details.
            TransformSchemaNode = (context, node) =>
            {
                var member = context.PropertyInfo?.AttributeProvider is System.Reflection.PropertyInfo property
                    ? $"P:{property.DeclaringType!.FullName}.{property.Name}"
                    : context.PropertyInfo is null ? $"T:{context.TypeInfo.Type.FullName}" : null;
                if (member is not null && docs.TryGetValue(member, out var summary) && node is JsonObject obj && !obj.ContainsKey("description"))
                {
                    obj.Insert(0, "description", summary);
                }
                return node;
            },
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
