using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace Helix.Platform.Output;

/// <summary>
/// Writes typed objects (KubernetesClient models, Helix's CRD records) as YAML, the same bytes for
/// the same objects: keys in declaration order, nulls left out, strings quoted only where YAML
/// would read them as something else, LF line ends.
/// </summary>
internal static partial class YamlWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly ISerializer Yaml = new SerializerBuilder()
        // Kubernetes reads YAML 1.1, where on, off, yes and no are booleans.
        .WithQuotingNecessaryStrings(quoteYaml1_1Strings: true)
        .WithIndentedSequences()
        .DisableAliases()
        .WithEventEmitter(next => new LiteralMultiline(next))
        .Build();

    /// <summary>Floats with an exponent (YAML 1.2 and 1.1) and YAML 1.1 timestamps.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)[eE][-+]?[0-9]+|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt \t].*)?)$")]
    private static partial System.Text.RegularExpressions.Regex LooksTyped();

    /// <summary>Scripts, Lua and config files read best as literal blocks (<c>|</c>), exactly as written.</summary>
    private sealed class LiteralMultiline(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            // Literal blocks cannot hold trailing spaces on a line or a tab-led line faithfully; those stay quoted.
            if (eventInfo.Source.Value is string text && text.Contains('\n', StringComparison.Ordinal)
                && !text.Split('\n').Any(l => l.EndsWith(' ') || l.StartsWith('\t')))
            {
                eventInfo.Style = YamlDotNet.Core.ScalarStyle.Literal;
            }
            else if (eventInfo.Source.Value is string typed && LooksTyped().IsMatch(typed))
            {
                // What YamlDotNet leaves plain but a reader takes for a number or a timestamp: a tenant named 1e3.
                eventInfo.Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted;
            }
            base.Emit(eventInfo, emitter);
        }
    }

    /// <summary>One YAML document.</summary>
    public static string Write(object document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var node = JsonSerializer.SerializeToNode(document, document.GetType(), Json);
        return Yaml.Serialize(Plain(node)).ReplaceLineEndings("\n");
    }

    /// <summary>Several documents in one file, separated by <c>---</c>.</summary>
    public static string WriteAll(IEnumerable<object> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var text = new StringBuilder();
        foreach (var document in documents)
        {
            if (text.Length > 0)
            {
                text.Append("---\n");
            }
            text.Append(Write(document));
        }
        return text.ToString();
    }

    // YamlDotNet keeps the insertion order of dictionaries; JSON nodes keep declaration order.
    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when v.TryGetValue<long>(out var l) => l,
            JsonValueKind.Number => v.GetValue<double>(),
            _ => null,
        },
        _ => throw new InvalidOperationException($"unexpected JSON node {node.GetType().Name}"),
    };
}
