using System.Text.Json;
using Helix.Platform.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Helix.Platform.Verification;

/// <summary>
/// Verifies a tree of manifests as a cluster would receive it: every YAML document of every file,
/// whoever wrote it (Helix, a hand edit, Devtron's commits). Each object: CRD schema or strict core
/// schema, no plaintext Secret, hardened workloads. Across objects: one owner per object, sync waves
/// in dependency order, ForwardAuth on every SSO route. The model, when given, is the statement of
/// intent (which routes are SSO, what depends on what); the tree's own annotations are used too.
/// </summary>
public static class TreeVerifier
{
    /// <summary>What a verification found, and the objects it read.</summary>
    public sealed record TreeReport(IReadOnlyList<Finding> Findings, IReadOnlyList<(string File, JsonElement Object)> Objects, ReachabilityReport? Reachability);

    public const string SecretRule = "no-plaintext-secret";
    public const string ObjectRule = "kubernetes-object";
    public const string YamlRule = "yaml";
    public const string CoreRule = "core-schema";

    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithAttemptingUnquotedStringTypeDeserialization()
        .WithNodeDeserializer(new Yaml11Booleans(), s => s.OnTop())
        .Build();

    /// <summary>
    /// Kubernetes reads YAML 1.1 (sigs.k8s.io/yaml): an unquoted yes, no, on, off, y or n is a
    /// boolean there, though YamlDotNet (YAML 1.2) keeps it as text. The tree is read as the cluster reads it.
    /// </summary>
    private sealed class Yaml11Booleans : INodeDeserializer
    {
        public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value, ObjectDeserializer rootDeserializer)
        {
            if (expectedType == typeof(object) && reader.Accept<Scalar>(out var scalar) && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain
                && scalar.Value is "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF")
            {
                reader.MoveNext();
                value = scalar.Value is "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON";
                return true;
            }
            value = null;
            return false;
        }
    }

    /// <summary>Verifies the YAML files under <paramref name="root"/> (paths in findings are relative to it).</summary>
    public static IReadOnlyList<Finding> Verify(string root, PlatformModel? intent = null) =>
        Verify(Files(root), file => new StreamReader(Path.Combine(root, file)), intent);

    /// <summary>The YAML files of a tree on disk, relative to it, test suites left out.</summary>
    public static IReadOnlyList<string> Files(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !IsTestSuite(f))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Verifies files given by path and a reader of their text (a render not yet written, for one).</summary>
    public static IReadOnlyList<Finding> Verify(IReadOnlyList<string> files, Func<string, TextReader> open, PlatformModel? intent = null) =>
        Analyse(files, open, intent).Findings;

    /// <summary>A render not yet written: its GitOps tree as ArgoCD would sync it (the Kyverno suites left out).</summary>
    public static TreeReport Analyse(Output.FileSet files, PlatformModel? intent)
    {
        ArgumentNullException.ThrowIfNull(files);
        var paths = files.Paths.Where(p => p.StartsWith(Rendering.GitOpsRenderer.Root + "/", StringComparison.Ordinal) && !IsTestSuite(p)).ToList();
        return Analyse(paths, path => new StringReader(files.Text(path)), intent);
    }

    /// <summary>The findings, and every object read (for the reachability matrix).</summary>
    public static TreeReport Analyse(IReadOnlyList<string> files, Func<string, TextReader> open, PlatformModel? intent = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(open);
        // Files are independent: verified on every core, reported in path order.
        var perFile = new List<Finding>[files.Count];
        var objects = new List<(string File, JsonElement Object)>[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var found = new List<Finding>();
            var parsed = new List<(string, JsonElement)>();
            using (var reader = open(files[i]))
            {
                foreach (var (document, error) in Documents(reader))
                {
                    if (error is not null)
                    {
                        found.Add(new Finding(Severity.Error, files[i], "-", YamlRule, error, "fix the YAML so the file parses"));
                        continue;
                    }
                    if (MistypedMetadata(document) is { } mistyped)
                    {
                        // Every later rule reads these as text: the object is reported once, and checked no further.
                        found.Add(new Finding(Severity.Error, files[i], "-", ObjectRule, mistyped.Message, mistyped.Fix));
                        continue;
                    }
                    found.AddRange(Guarded(files[i], "-", () => VerifyObject(files[i], document)));
                    if (IsObject(document))
                    {
                        found.AddRange(Guarded(files[i], "-", () => TreeRules.Workload(files[i], document)));
                        parsed.Add((files[i], document));
                    }
                }
            }
            perFile[i] = found;
            objects[i] = parsed;
        });
        var all = objects.SelectMany(o => o).ToList();
        var findings = perFile.SelectMany(f => f)
            .Concat(Guarded("-", "-", () => TreeRules.SingleOwner(all)))
            .Concat(Guarded("-", "-", () => TreeRules.SyncWaves(all, intent)))
            .Concat(Guarded("-", "-", () => TreeRules.SsoRoutes(all, intent)))
            .ToList();
        // Reachability needs the intended flows; a tree without any network policy has nothing to prove.
        ReachabilityReport? reachability = null;
        if (intent is not null && all.Any(o => o.Object.GetProperty("kind").GetString() is "CiliumNetworkPolicy" or "CiliumClusterwideNetworkPolicy" or "NetworkPolicy"))
        {
            var analysed = Guarded("-", "-", () =>
            {
                reachability = Verification.Reachability.Analyse(all, intent);
                return reachability.Findings;
            });
            findings.AddRange(analysed);
        }
        if (intent is not null)
        {
            findings.AddRange(Guarded("-", "-", () => PromiseRules.Tree(all, intent)));
        }
        if (intent is not null && all.Any(o => o.Object.GetProperty("kind").GetString() is "ClusterPolicy" or "Policy"))
        {
            findings.AddRange(Guarded("-", "-", () => SupplyChain.Verify(all, intent)));
        }
        return new TreeReport(findings, all, reachability);
    }

    /// <summary>
    /// A rule's findings; a field of the wrong JSON type that the rule meets (a number where text
    /// belongs, deep in an object) becomes a finding instead of ending the whole verification.
    /// </summary>
    private static List<Finding> Guarded(string file, string resource, Func<IEnumerable<Finding>> rule)
    {
        try
        {
            return [.. rule()];
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return [new Finding(Severity.Error, file, resource, ObjectRule, $"a field has a type the rules cannot read ({e.Message})",
                "write text in quotes and numbers, lists and maps where Kubernetes expects them")];
        }
    }

    /// <summary>The identity fields every rule reads as text, when one of them is not: a YAML look-alike left unquoted (name: 1e3, namespace: no).</summary>
    private static (string Message, string Fix)? MistypedMetadata(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var field in new[] { "apiVersion", "kind" })
        {
            if (document.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.String)
            {
                return ($"{field} is {Kind(value)}, not text", $"write the {field} in quotes as it should read, such as {field}: \"v1\"");
            }
        }
        if (document.TryGetProperty("metadata", out var metadata))
        {
            if (metadata.ValueKind != JsonValueKind.Object)
            {
                return ($"metadata is {Kind(metadata)}, not a map", "give metadata a name (and a namespace where the kind has one)");
            }
            foreach (var field in new[] { "name", "namespace" })
            {
                if (metadata.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.String)
                {
                    return ($"metadata.{field} is {Kind(value)}, not text (YAML reads names such as 1e3, 0755, no and ~ unquoted as numbers, booleans or null)",
                        $"write the {field} in quotes, such as {field}: \"1e3\"");
                }
            }
            foreach (var map in new[] { "labels", "annotations" })
            {
                if (metadata.TryGetProperty(map, out var entries) && entries.ValueKind == JsonValueKind.Object
                    && entries.EnumerateObject().FirstOrDefault(e => e.Value.ValueKind != JsonValueKind.String) is { Value.ValueKind: not JsonValueKind.Undefined } bad)
                {
                    return ($"metadata.{map}.{bad.Name} is {Kind(bad.Value)}, not text", $"write the value in quotes, such as {bad.Name}: \"yes\"");
                }
            }
        }
        return null;
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "a map",
        _ => "not text",
    };

    /// <summary>Kyverno CLI suites (<c>tests/</c> folders) hold resources that must fail; ArgoCD never syncs them.</summary>
    public static bool IsTestSuite(string path) => path.Split('/').Contains("tests");

    private static bool IsObject(JsonElement resource) =>
        resource.ValueKind == JsonValueKind.Object
        && resource.TryGetProperty("apiVersion", out var a) && a.ValueKind == JsonValueKind.String
        && resource.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String;

    internal static IEnumerable<Finding> VerifyObject(string file, JsonElement resource) => VerifyObject(file, resource, null);

    /// <summary>One object's schema (core kinds strictly, custom resources against their CRD) and, for the tree's own files, no plaintext Secret.</summary>
    /// <param name="file">Where the object is (a tree file, or a chart's source name).</param>
    /// <param name="resource">The object.</param>
    /// <param name="installed">CRD schemas the platform installs, for kinds without an embedded one; null for the tree's own files.</param>
    internal static IEnumerable<Finding> VerifyObject(string file, JsonElement resource, IReadOnlyDictionary<(string ApiVersion, string Kind), JsonElement>? installed)
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
            foreach (var finding in CrdSchemas.Validate(file, resource, installed))
            {
                yield return finding;
            }
        }
        else if (!IsSopsEncrypted(resource)) // an encrypted Secret is typed only once decrypted
        {
            if (StrictCoreParse(resource) is { } problem)
            {
                yield return new Finding(Severity.Error, file, Id(resource), CoreRule, problem,
                    "write the object as the Kubernetes API defines it (kubectl explain <kind>.<field>)");
            }
            foreach (var missing in MissingRequired(kind.GetString()!, resource))
            {
                yield return new Finding(Severity.Error, file, Id(resource), CoreRule, $"required field {missing} is missing",
                    $"set {missing}: the API server refuses the object without it");
            }
        }

        // A chart's Secrets are made in the cluster from values, which are checked where they are written.
        if (installed is null && kind.GetString() == "Secret" && group.Length == 0 && !IsSopsEncrypted(resource)
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

    /// <summary>Reads a built-in kind with KubernetesClient's typed models in strict mode: an unknown or mistyped field fails.</summary>
    private static string? StrictCoreParse(JsonElement resource)
    {
        try
        {
            k8s.KubernetesYaml.LoadAllFromString(resource.GetRawText(), strict: true);
            return null;
        }
        catch (KeyNotFoundException)
        {
            // KubernetesClient's models are the served built-in API: anything else is removed or misspelt.
            return $"{resource.GetProperty("apiVersion").GetString()} {resource.GetProperty("kind").GetString()} is not served by Kubernetes (a removed or misspelt API version)";
        }
        catch (Exception e) when (e is YamlException or ArgumentException or InvalidOperationException or FormatException)
        {
            return e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message;
        }
    }

    /// <summary>
    /// Fields the API server requires of the kinds Helix renders (the typed models accept their
    /// absence). Paths are dotted; <c>[]</c> checks every item of a list.
    /// </summary>
    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        ["Deployment"] = ["spec.selector", "spec.template.spec.containers[].name", "spec.template.spec.containers[].image"],
        ["StatefulSet"] = ["spec.selector", "spec.template.spec.containers[].name", "spec.template.spec.containers[].image"],
        ["DaemonSet"] = ["spec.selector", "spec.template.spec.containers[].name", "spec.template.spec.containers[].image"],
        ["Job"] = ["spec.template.spec.containers[].name", "spec.template.spec.containers[].image"],
        ["PodDisruptionBudget"] = ["spec.selector"],
        ["HorizontalPodAutoscaler"] = ["spec.scaleTargetRef.kind", "spec.scaleTargetRef.name", "spec.maxReplicas"],
        ["NetworkPolicy"] = ["spec.podSelector"],
        ["LimitRange"] = ["spec.limits"],
        ["RoleBinding"] = ["roleRef.kind", "roleRef.name"],
        ["ClusterRoleBinding"] = ["roleRef.kind", "roleRef.name"],
    };

    private static IEnumerable<string> MissingRequired(string kind, JsonElement resource)
    {
        if (!Required.TryGetValue(kind, out var paths))
        {
            yield break;
        }
        foreach (var path in paths)
        {
            if (!Present(resource, path.Split('.')))
            {
                yield return path.Replace("[]", "[*]", StringComparison.Ordinal);
            }
        }
    }

    private static bool Present(JsonElement node, ReadOnlySpan<string> path)
    {
        if (path.IsEmpty)
        {
            return node.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
        }
        var segment = path[0];
        var each = segment.EndsWith("[]", StringComparison.Ordinal);
        var name = each ? segment[..^2] : segment;
        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out var child))
        {
            return false;
        }
        if (!each)
        {
            return Present(child, path[1..]);
        }
        if (child.ValueKind != JsonValueKind.Array || child.GetArrayLength() == 0)
        {
            return false;
        }
        foreach (var item in child.EnumerateArray())
        {
            if (!Present(item, path[1..]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsSopsEncrypted(JsonElement resource) =>
        resource.TryGetProperty("sops", out var sops) && sops.ValueKind == JsonValueKind.Object;

    private static bool HasEntries(JsonElement resource, string property) =>
        resource.TryGetProperty(property, out var data) && data.ValueKind == JsonValueKind.Object && data.EnumerateObject().Any();

    internal static string Id(JsonElement resource)
    {
        var kind = resource.GetProperty("kind").GetString();
        var metadata = resource.TryGetProperty("metadata", out var m) ? m : default;
        var name = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("name", out var n) ? n.GetString() : null;
        var ns = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("namespace", out var s) ? s.GetString() : null;
        return $"{kind}/{(ns is null ? "" : ns + "/")}{name}";
    }

    internal static List<(JsonElement Document, string? Error)> Documents(TextReader reader)
    {
        var results = new List<(JsonElement, string?)>();
        try
        {
            var parser = new Parser(reader);
            parser.Consume<StreamStart>();
            while (parser.Accept<DocumentStart>(out _))
            {
                var value = Yaml.Deserialize<object?>(parser);
                if (value is null)
                {
                    continue;
                }
                try
                {
                    results.Add((JsonSerializer.SerializeToElement(Normalize(value)), null));
                }
                catch (ArgumentException)
                {
                    // .inf and .nan are YAML floats; JSON, and so the API server, has no such number.
                    results.Add((default, $"document {results.Count + 1} holds .inf or .nan, a number JSON (and so Kubernetes) cannot hold"));
                }
                catch (JsonException)
                {
                    results.Add((default, $"document {results.Count + 1} is nested more than 64 levels deep, deeper than any Kubernetes object"));
                }
            }
        }
        catch (YamlException e)
        {
            results.Add((default, $"YAML syntax at {e.Start.Line}:{e.Start.Column}: {e.Message}"));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up on some malformed scalars without a YamlException.
            results.Add((default, "YAML syntax: part of the file cannot be read as YAML (malformed quoting or brackets)"));
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
