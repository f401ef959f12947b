using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;

namespace Helix.Platform.Verification;

/// <summary>
/// Validates rendered custom resources against the embedded CRD JSON Schemas, as the API server
/// would (less its CEL rules). A custom resource of a kind without a schema is itself a finding:
/// nothing unverified reaches the cluster.
/// </summary>
internal static class CrdSchemas
{
    public const string Rule = "crd-schema";

    // Lazy: files are verified in parallel, and a schema's URI may be registered only once.
    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema?>> Cache = new(StringComparer.Ordinal);

    // CRD schemas carry Kubernetes' own keywords (x-kubernetes-preserve-unknown-fields, ...).
    private static readonly BuildOptions Build = new()
    {
        Dialect = Dialect.Draft202012.With([], allowUnknownKeywords: true),
        SchemaRegistry = new SchemaRegistry(),
    };

    private const string ResourcePrefix = "Helix.Platform.Schemas.";

    /// <summary>Every embedded schema, as <c>group/kind_version.json</c>.</summary>
    public static IReadOnlyList<string> Known { get; } = typeof(CrdSchemas).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".json".Length])
        .Select(n => n[..n.LastIndexOf('.')] + "/" + n[(n.LastIndexOf('.') + 1)..] + ".json")
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Resource name of a kind's schema: <c>argoproj.io/application_v1alpha1.json</c>.</summary>
    public static string SchemaName(string apiVersion, string kind)
    {
        ArgumentNullException.ThrowIfNull(apiVersion);
        ArgumentNullException.ThrowIfNull(kind);
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? $"core/{kind.ToLowerInvariant()}_{apiVersion}.json"
            : $"{apiVersion[..slash]}/{kind.ToLowerInvariant()}_{apiVersion[(slash + 1)..]}.json";
    }

    public static IEnumerable<Finding> Validate(string file, JsonElement resource) => Validate(file, resource, null);

    /// <summary>
    /// Validates against the embedded schema of the kind, else against the <c>openAPIV3Schema</c> of a
    /// CRD the platform installs (<paramref name="installed"/>: by <c>apiVersion</c> and kind), as the
    /// API server would.
    /// </summary>
    public static IEnumerable<Finding> Validate(string file, JsonElement resource, IReadOnlyDictionary<(string ApiVersion, string Kind), JsonElement>? installed)
    {
        var apiVersion = resource.TryGetProperty("apiVersion", out var v) ? v.GetString() ?? "" : "";
        var kind = resource.TryGetProperty("kind", out var k) ? k.GetString() ?? "" : "";
        var name = resource.TryGetProperty("metadata", out var m) && m.TryGetProperty("name", out var n) ? n.GetString() : null;
        var ns = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("namespace", out var s) ? s.GetString() : null;
        var id = $"{kind}/{(ns is null ? "" : ns + "/")}{name}";

        var schemaName = SchemaName(apiVersion, kind);
        var schema = Cache.GetOrAdd(schemaName, n => new Lazy<JsonSchema?>(() => Load(n))).Value;
        if (schema is null && installed is not null && installed.TryGetValue((apiVersion, kind), out var openApi))
        {
            var text = openApi.GetRawText();
            var key = "crd/" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
            schema = Cache.GetOrAdd(key, k => new Lazy<JsonSchema?>(() => JsonSchema.FromText(DotNetPatterns(text), Build, new Uri($"https://helix.invalid/schemas/{k}.json")))).Value;
        }
        if (schema is null)
        {
            yield return new Finding(Severity.Error, file, id, Rule, $"no schema for {apiVersion} {kind}",
                $"add {schemaName} to src/Helix.Platform/Verification/Schemas, or render a kind Helix knows");
            yield break;
        }

        var results = schema.Evaluate(resource, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            yield break;
        }
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }
            foreach (var (keyword, message) in detail.Errors)
            {
                var at = detail.InstanceLocation.ToString();
                yield return new Finding(Severity.Error, file, id, Rule,
                    $"{(at.Length == 0 ? "/" : at)}: {message} ({keyword})",
                    "render what the CRD accepts at this path");
            }
        }
    }

    /// <summary>The first errors of a failed evaluation, each as "instance path: message", for a one-line finding.</summary>
    internal static string FirstErrors(EvaluationResults results, int count) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
            .Distinct(StringComparer.Ordinal).Take(count));

    /// <summary>
    /// CRD patterns are Go (RE2) regular expressions: RE2 writes a one-letter Unicode class as
    /// <c>\PC</c>, .NET only as <c>\P{C}</c> (Cilium's policies use it). In the JSON text the
    /// backslash is itself escaped.
    /// </summary>
    internal static string DotNetPatterns(string schemaJson) =>
        System.Text.RegularExpressions.Regex.Replace(schemaJson, @"(\\[pP])([A-Z])", "$1{$2}");

    private static JsonSchema? Load(string name)
    {
        var assembly = typeof(CrdSchemas).Assembly;
        using var stream = assembly.GetManifestResourceStream(ResourcePrefix + name.Replace('/', '.'));
        if (stream is null)
        {
            return null;
        }
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(DotNetPatterns(reader.ReadToEnd()), Build, new Uri($"https://helix.invalid/schemas/{name}"));
    }
}
