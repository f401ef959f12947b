using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Helix.Platform.Components;
using Helix.Platform.Simulation;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Helix.Platform.Verification;

/// <summary>
/// Authentik's configuration as the tree holds it: every blueprint the Authentik Application mounts
/// matches Authentik's published blueprint schema, and every route behind the ForwardAuth middleware
/// has a forward-auth provider for its host, bound to the embedded outpost, so the outpost answers it.
/// </summary>
internal static partial class BlueprintRules
{
    public const string SchemaRule = "authentik-blueprint";
    public const string SsoRule = "sso-provider";

    private const string StubUuid = "00000000-0000-4000-8000-000000000000";

    /// <summary>The published schema, parsed once: its entry branches by model, and its definitions.</summary>
    private static readonly Lazy<(JsonObject Root, Dictionary<string, JsonObject> Branches)> Published = new(() =>
    {
        using var stream = typeof(BlueprintRules).Assembly.GetManifestResourceStream("Helix.Platform.AuthentikBlueprintSchema.json")
            ?? throw new InvalidOperationException("the Authentik blueprint schema is not embedded");
        using var reader = new StreamReader(stream);
        var root = JsonNode.Parse(CrdSchemas.DotNetPatterns(reader.ReadToEnd()))!.AsObject();
        var branches = root["properties"]!["entries"]!["items"]!["oneOf"]!.AsArray().OfType<JsonObject>()
            .ToDictionary(b => (string)b["properties"]!["model"]!["const"]!, b => b, StringComparer.Ordinal);
        return (root, branches);
    });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonSchema> Compiled = new(StringComparer.Ordinal);

    /// <summary>
    /// The schema cut down to the models a blueprint uses (their branches and the definitions they
    /// reach): the same verdict as the whole schema's one-of over 200 models, at a fraction of its cost.
    /// </summary>
    private static JsonSchema SchemaFor(List<string> used) => Compiled.GetOrAdd(string.Join(',', used.Order(StringComparer.Ordinal)), _ =>
    {
        var (root, branches) = Published.Value;
        // A blueprint that names no model at all is held to every branch, as the whole schema would hold it.
        IReadOnlyCollection<string> models = used.Count > 0 ? used : branches.Keys;
        var schema = root.DeepClone().AsObject();
        var definitions = root["$defs"]!.AsObject();
        var kept = new JsonObject();
        var pending = new Queue<JsonNode>(models.Select(m => (JsonNode)branches[m]));
        while (pending.TryDequeue(out var node))
        {
            foreach (var reference in References(node).Where(r => !kept.ContainsKey(r) && definitions.ContainsKey(r)))
            {
                kept[reference] = definitions[reference]!.DeepClone();
                pending.Enqueue(definitions[reference]!);
            }
        }
        schema["$defs"] = kept;
        schema["properties"]!["entries"]!["items"]!["oneOf"] = new JsonArray([.. models.Select(m => branches[m].DeepClone())]);
        return JsonSchema.FromText(schema.ToJsonString(),
            new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft07.With([], allowUnknownKeywords: true) },
            new Uri("https://helix.invalid/schemas/authentik/blueprint-schema.json"));
    });

    private static IEnumerable<string> References(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" && p.Value is JsonValue v && v.TryGetValue<string>(out var r) && r.StartsWith("#/$defs/", StringComparison.Ordinal)
            ? [r["#/$defs/".Length..]]
            : p.Value is null ? [] : References(p.Value)),
        JsonArray a => a.OfType<JsonNode>().SelectMany(References),
        _ => [],
    };

    [GeneratedRegex(@"Host\(`(?<host>[^`]+)`\)")]
    private static partial Regex Host();

    public static IEnumerable<Finding> Check(IReadOnlyList<KubeObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var mounted = objects.Where(o => o.Group == "argoproj.io" && o.Kind == "Application")
            .SelectMany(o => KubeObject.Items(o.At("spec", "sources")).Append(o.At("spec", "source") ?? default))
            .Where(s => s.ValueKind == JsonValueKind.Object && KubeObject.Text(s, "chart") == Authentik.Pin.Chart)
            .SelectMany(s => KubeObject.Items(KubeObject.Element(s, "helm", "valuesObject", "blueprints", "configMaps")))
            .Select(n => n.ValueKind == JsonValueKind.String ? n.GetString() : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var blueprints = new List<(KubeObject Source, YamlMappingNode Root)>();
        foreach (var map in objects.Where(o => o.Group == "" && o.Kind == "ConfigMap" && mounted.Contains(o.Name ?? "")))
        {
            foreach (var (key, text) in KubeObject.Map(map.Json, "data").Where(d => d.Key.EndsWith(".yaml", StringComparison.Ordinal)))
            {
                var resource = $"ConfigMap/{map.DeclaredNamespace}/{map.Name}";
                YamlMappingNode? root = null;
                string? error = null;
                try
                {
                    var stream = new YamlStream();
                    stream.Load(new StringReader(text));
                    root = stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode;
                    error = root is null ? "the blueprint is not a YAML mapping" : null;
                }
                catch (YamlException e)
                {
                    error = $"the blueprint does not parse: {e.Message}";
                }
                if (error is not null || root is null)
                {
                    yield return new Finding(Severity.Error, map.Source, resource, SchemaRule, $"{key}: {error}", "write the blueprint as Authentik's blueprint YAML");
                    continue;
                }
                blueprints.Add((map, root));
                var models = Models(root);
                if (models.FirstOrDefault(m => !Published.Value.Branches.ContainsKey(m)) is { } unknown)
                {
                    yield return new Finding(Severity.Error, map.Source, resource, SchemaRule, $"{key}: '{unknown}' is not a model Authentik's blueprints know",
                        "write a model of Authentik's blueprint schema, such as authentik_providers_proxy.proxyprovider");
                    continue;
                }
                if (Read(root) is not { } json)
                {
                    yield return new Finding(Severity.Error, map.Source, resource, SchemaRule, $"{key} nests deeper than 64 levels", "write the blueprint as Authentik's blueprint YAML");
                    continue;
                }
                var result = SchemaFor(models).Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });
                if (!result.IsValid)
                {
                    yield return new Finding(Severity.Error, map.Source, resource, SchemaRule, $"{key} is not a valid Authentik blueprint: {CrdSchemas.FirstErrors(result, 3)}",
                        "write models and fields as Authentik's blueprint schema defines them");
                }
            }
        }
        // The hosts the embedded outpost answers: its providers' external hosts.
        var answered = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (_, root) in blueprints)
        {
            var entries = root.Children.TryGetValue(new YamlScalarNode("entries"), out var e) && e is YamlSequenceNode list ? list.OfType<YamlMappingNode>().ToList() : [];
            var outpost = entries.FirstOrDefault(x => Scalar(x, "model") == "authentik_outposts.outpost" && Scalar(x, "identifiers", "managed") == AuthentikBlueprint.EmbeddedOutpost);
            var bound = outpost is not null && Node(outpost, "attrs", "providers") is YamlSequenceNode providers
                ? providers.OfType<YamlScalarNode>().Where(p => Tag(p) == "!KeyOf").Select(p => p.Value).ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var provider in entries.Where(x => Scalar(x, "model") == "authentik_providers_proxy.proxyprovider" && bound.Contains(Scalar(x, "id") ?? "")))
            {
                if (Scalar(provider, "attrs", "external_host") is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
                {
                    answered.Add(uri.Host);
                }
            }
        }
        if (mounted.Count == 0)
        {
            yield break; // no Authentik here to answer ForwardAuth: the tree's other rules say what is missing
        }
        foreach (var route in objects.Where(o => o.Group == "traefik.io" && o.Kind == "IngressRoute"))
        {
            foreach (var rule in KubeObject.Items(route.At("spec", "routes"))
                         .Where(r => KubeObject.Items(KubeObject.Element(r, "middlewares")).Any(m => KubeObject.Text(m, "name") == Traefik.ForwardAuthMiddleware)))
            {
                foreach (Match host in Host().Matches(KubeObject.Text(rule, "match") ?? ""))
                {
                    if (!answered.Contains(host.Groups["host"].Value))
                    {
                        yield return new Finding(Severity.Error, route.Source, $"IngressRoute/{route.DeclaredNamespace}/{route.Name}", SsoRule,
                            $"{host.Groups["host"].Value} is behind ForwardAuth, but no provider of the embedded outpost has it: every request ends in an error, not a sign-in",
                            "give the route a forward-auth proxy provider in the Authentik blueprint, bound to the embedded outpost (helix render does)");
                    }
                }
            }
        }
    }

    /// <summary>The blueprint as JSON, or null when it nests deeper than JSON's readers go (64 levels).</summary>
    private static JsonElement? Read(YamlMappingNode root)
    {
        try
        {
            return JsonSerializer.SerializeToElement(ToJson(root, null));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<string> Models(YamlMappingNode root) =>
        root.Children.TryGetValue(new YamlScalarNode("entries"), out var entries) && entries is YamlSequenceNode list
            ? [.. list.OfType<YamlMappingNode>().Select(e => Scalar(e, "model")).OfType<string>().Distinct(StringComparer.Ordinal)]
            : [];

    private static YamlNode? Node(YamlMappingNode map, params string[] path)
    {
        YamlNode node = map;
        foreach (var key in path)
        {
            if (node is not YamlMappingNode m || !m.Children.TryGetValue(new YamlScalarNode(key), out node!))
            {
                return null;
            }
        }
        return node;
    }

    private static string? Scalar(YamlMappingNode map, params string[] path) => (Node(map, path) as YamlScalarNode)?.Value;

    /// <summary>
    /// The blueprint as the schema sees it once Authentik has resolved its tags: <c>!Find</c> a row's
    /// UUID, <c>!KeyOf</c> an entry's key (an integer where the field is a provider), <c>!Env</c> a
    /// string. Plain scalars take YAML's types.
    /// </summary>
    private static JsonNode? ToJson(YamlNode node, string? key) => (node, Tag(node)) switch
    {
        (YamlScalarNode, "!KeyOf") => key is "provider" or "providers" ? JsonValue.Create(1) : JsonValue.Create(StubUuid),
        (YamlScalarNode, "!Env") => JsonValue.Create("stub"),
        (YamlSequenceNode, "!Find") => JsonValue.Create(StubUuid),
        (YamlScalarNode { Style: ScalarStyle.Plain } scalar, _) => Plain(scalar.Value ?? ""),
        (YamlScalarNode scalar, _) => JsonValue.Create(scalar.Value),
        (YamlSequenceNode sequence, _) => new JsonArray([.. sequence.Select(n => ToJson(n, key))]),
        (YamlMappingNode mapping, _) => new JsonObject(mapping.Select(p => (Key: p.Key is YamlScalarNode k ? k.Value ?? "" : p.Key.ToString(), p.Value))
            .DistinctBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, ToJson(p.Value, p.Key)))),
        _ => null,
    };

    /// <summary>A node's explicit tag (<c>!Find</c>), or null for an untagged one (whose tag YamlDotNet will not name).</summary>
    private static string? Tag(YamlNode node) => node.Tag.IsEmpty || node.Tag.IsNonSpecific ? null : node.Tag.Value;

    private static JsonValue? Plain(string value) => value switch
    {
        "true" or "True" => JsonValue.Create(true),
        "false" or "False" => JsonValue.Create(false),
        "null" or "~" or "" => null,
        _ when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ => JsonValue.Create(value),
    };
}
