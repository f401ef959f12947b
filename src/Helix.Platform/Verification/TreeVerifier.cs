using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Helix.Platform.Verification;

/// <summary>
/// Verifies a tree of manifests as a cluster would receive it: every YAML document of every file,
/// whoever wrote it (Helix, a hand edit, Devtron's commits). Rules so far: CRD objects against
/// their schemas, no plaintext Secret, every document a Kubernetes object.
/// </summary>
public static class TreeVerifier
{
    public const string SecretRule = "no-plaintext-secret";
    public const string ObjectRule = "kubernetes-object";
    public const string YamlRule = "yaml";

    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithAttemptingUnquotedStringTypeDeserialization()
        .Build();

    public static IReadOnlyList<Finding> Verify(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var files = Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        // Files are independent: verified on every core, reported in path order.
        var perFile = new List<Finding>[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            var found = new List<Finding>();
            foreach (var (document, error) in Documents(Path.Combine(root, files[i])))
            {
                if (error is not null)
                {
                    found.Add(new Finding(Severity.Error, files[i], "-", YamlRule, error, "fix the YAML so the file parses"));
                    continue;
                }
                found.AddRange(VerifyObject(files[i], document));
            }
            perFile[i] = found;
        });
        var findings = perFile.SelectMany(f => f).ToList();
        return findings;
    }

    internal static IEnumerable<Finding> VerifyObject(string file, JsonElement resource)
    {
        if (resource.ValueKind != JsonValueKind.Object
            || !resource.TryGetProperty("apiVersion", out var apiVersion) || apiVersion.ValueKind != JsonValueKind.String
            || !resource.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
        {
            yield return new Finding(Severity.Error, file, "-", ObjectRule, "a document without apiVersion and kind", "every document in the tree must be a Kubernetes object");
            yield break;
        }

        var group = apiVersion.GetString()!.Contains('/', StringComparison.Ordinal) ? apiVersion.GetString()![..apiVersion.GetString()!.IndexOf('/', StringComparison.Ordinal)] : "";
        if (IsCustomResource(group))
        {
            foreach (var finding in CrdSchemas.Validate(file, resource))
            {
                yield return finding;
            }
        }

        if (kind.GetString() == "Secret" && group.Length == 0 && !IsSopsEncrypted(resource)
            && (HasEntries(resource, "data") || HasEntries(resource, "stringData")))
        {
            yield return new Finding(Severity.Error, file, Id(resource), SecretRule, "a Secret with plaintext data",
                "encrypt it with SOPS (sops --encrypt --in-place) or reference the secret instead of committing it");
        }
    }

    /// <summary>API groups served by Kubernetes itself; every other group comes from a CRD.</summary>
    private static readonly HashSet<string> BuiltInGroups = new(StringComparer.Ordinal)
    {
        "", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io",
        "storage.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io", "scheduling.k8s.io",
        "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "events.k8s.io",
        "authentication.k8s.io", "authorization.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
        "apiregistration.k8s.io",
    };

    internal static bool IsCustomResource(string group) => !BuiltInGroups.Contains(group);

    private static bool IsSopsEncrypted(JsonElement resource) =>
        resource.TryGetProperty("sops", out var sops) && sops.ValueKind == JsonValueKind.Object;

    private static bool HasEntries(JsonElement resource, string property) =>
        resource.TryGetProperty(property, out var data) && data.ValueKind == JsonValueKind.Object && data.EnumerateObject().Any();

    private static string Id(JsonElement resource)
    {
        var kind = resource.GetProperty("kind").GetString();
        var metadata = resource.TryGetProperty("metadata", out var m) ? m : default;
        var name = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("name", out var n) ? n.GetString() : null;
        var ns = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("namespace", out var s) ? s.GetString() : null;
        return $"{kind}/{(ns is null ? "" : ns + "/")}{name}";
    }

    private static List<(JsonElement Document, string? Error)> Documents(string path)
    {
        var results = new List<(JsonElement, string?)>();
        try
        {
            using var reader = new StreamReader(path);
            var parser = new Parser(reader);
            parser.Consume<StreamStart>();
            while (parser.Accept<DocumentStart>(out _))
            {
                var value = Yaml.Deserialize<object?>(parser);
                if (value is not null)
                {
                    results.Add((JsonSerializer.SerializeToElement(Normalize(value)), null));
                }
            }
        }
        catch (YamlException e)
        {
            results.Add((default, $"YAML syntax at {e.Start.Line}:{e.Start.Column}: {e.Message}"));
        }
        return results;
    }

    // YamlDotNet gives object-keyed dictionaries; JSON wants string keys.
    private static object? Normalize(object? value) => value switch
    {
        IDictionary<object, object?> map => map.ToDictionary(e => Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture)!, e => Normalize(e.Value)),
        IList<object?> list => list.Select(Normalize).ToList(),
        _ => value,
    };
}
