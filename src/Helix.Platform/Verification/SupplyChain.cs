using System.Text.Json;
using System.Text.RegularExpressions;
using Helix.Platform.Model;

namespace Helix.Platform.Verification;

/// <summary>
/// Every image of a workload in the app zone is pinned by digest or covered by a Kyverno
/// verifyImages rule for its namespace, and comes from an allowed registry; every app-zone
/// namespace is covered by image verification at all.
/// </summary>
internal static class SupplyChain
{
    public const string SignatureRule = "image-signature";
    public const string RegistryRule = "image-registry";

    private static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];
    private static readonly string[] MatchLists = ["any", "all"];
    private static readonly string[] ContainerLists = ["initContainers", "containers"];

    public static IEnumerable<Finding> Verify(IReadOnlyList<(string File, JsonElement Object)> objects, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(model);
        var covered = model.Namespaces().Where(n => n.Zone == "app").Select(n => n.Namespace).ToHashSet(StringComparer.Ordinal);
        var rules = VerifyRules(objects);
        foreach (var ns in covered.Order(StringComparer.Ordinal).Where(ns => !rules.Any(r => r.Namespaces is null || r.Namespaces.Contains(ns))))
        {
            yield return new Finding(Severity.Error, "-", $"Namespace/{ns}", SignatureRule, $"no verifyImages rule covers namespace {ns} (app zone)",
                "add the namespace to the verify-image-signatures ClusterPolicy (helix render covers every app-zone namespace)");
        }
        foreach (var finding in VerifyWorkloads(objects, objects, model))
        {
            yield return finding;
        }
    }

    /// <summary>
    /// The image rules for <paramref name="workloads"/> (the tree's own, or what the charts produce)
    /// under the verifyImages rules among <paramref name="policies"/>.
    /// </summary>
    public static IEnumerable<Finding> VerifyWorkloads(IReadOnlyList<(string File, JsonElement Object)> policies, IReadOnlyList<(string File, JsonElement Object)> workloads, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(workloads);
        ArgumentNullException.ThrowIfNull(model);
        var covered = model.Namespaces().Where(n => n.Zone == "app").Select(n => n.Namespace).ToHashSet(StringComparer.Ordinal);
        var rules = VerifyRules(policies);
        var registries = model.Spec.SupplyChain.Registries;
        foreach (var (file, resource) in workloads.Where(o => WorkloadKinds.Contains(o.Object.GetProperty("kind").GetString())))
        {
            var ns = resource.TryGetProperty("metadata", out var m) && m.TryGetProperty("namespace", out var n) ? n.GetString() ?? "" : "";
            if (!covered.Contains(ns))
            {
                continue;
            }
            foreach (var image in Images(resource))
            {
                if (!registries.Any(r => image.StartsWith(r + "/", StringComparison.Ordinal)))
                {
                    yield return new Finding(Severity.Error, file, TreeVerifier.Id(resource), RegistryRule, $"image {image} is from outside the allowed registries ({string.Join(", ", registries)})",
                        "publish the image to an allowed registry (the CI signs it there), or add the registry to supplyChain.registries");
                }
                var pinned = image.Contains("@sha256:", StringComparison.Ordinal);
                var verified = rules.Any(r => (r.Namespaces is null || r.Namespaces.Contains(ns)) && r.Patterns.Any(p => p.IsMatch(image)));
                if (!pinned && !verified)
                {
                    yield return new Finding(Severity.Error, file, TreeVerifier.Id(resource), SignatureRule, $"image {image} is neither pinned by digest nor covered by a signature check",
                        "pin it (helix release --image name@sha256:...) or cover its registry with the verify-image-signatures policy");
                }
            }
        }
    }

    private static List<(HashSet<string>? Namespaces, List<Regex> Patterns)> VerifyRules(IReadOnlyList<(string File, JsonElement Object)> objects)
    {
        var rules = new List<(HashSet<string>?, List<Regex>)>();
        foreach (var (_, policy) in objects.Where(o => o.Object.GetProperty("kind").GetString() is "ClusterPolicy" or "Policy"))
        {
            if (!policy.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("rules", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var rule in list.EnumerateArray())
            {
                if (!rule.TryGetProperty("verifyImages", out var verify) || verify.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }
                var namespaces = Namespaces(rule);
                var patterns = verify.EnumerateArray()
                    .Where(v => v.TryGetProperty("attestors", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0)
                    .SelectMany(v => v.TryGetProperty("imageReferences", out var refs) && refs.ValueKind == JsonValueKind.Array ? refs.EnumerateArray().Select(r => r.GetString() ?? "") : [])
                    .Select(Glob).ToList();
                rules.Add((namespaces, patterns));
            }
        }
        return rules;
    }

    /// <summary>The namespaces a rule matches; null when it names none (every namespace).</summary>
    private static HashSet<string>? Namespaces(JsonElement rule)
    {
        if (!rule.TryGetProperty("match", out var match))
        {
            return null;
        }
        var filters = MatchLists.SelectMany(k => match.TryGetProperty(k, out var f) && f.ValueKind == JsonValueKind.Array ? f.EnumerateArray() : []).ToList();
        if (match.TryGetProperty("resources", out _))
        {
            filters.Add(match);
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            if (!filter.TryGetProperty("resources", out var resources) || !resources.TryGetProperty("namespaces", out var ns) || ns.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            names.UnionWith(ns.EnumerateArray().Select(n => n.GetString() ?? ""));
        }
        return filters.Count == 0 ? null : names;
    }

    /// <summary>Kyverno's image patterns: <c>*</c> is any run of characters, <c>?</c> one.</summary>
    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);

    /// <summary>Every container image of the workloads among <paramref name="objects"/>: the image inventory.</summary>
    public static IReadOnlyList<string> Inventory(IEnumerable<JsonElement> objects) =>
        [.. objects.Where(o => o.TryGetProperty("kind", out var k) && WorkloadKinds.Contains(k.GetString())).SelectMany(Images).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static IEnumerable<string> Images(JsonElement resource)
    {
        if (TreeRules.PodTemplate(resource) is not { } template || TreeRules.Path(template, "spec") is not { } spec)
        {
            yield break;
        }
        foreach (var list in ContainerLists)
        {
            if (spec.TryGetProperty(list, out var containers) && containers.ValueKind == JsonValueKind.Array)
            {
                foreach (var container in containers.EnumerateArray())
                {
                    if (container.TryGetProperty("image", out var image) && image.GetString() is { } text)
                    {
                        yield return text;
                    }
                }
            }
        }
    }
}
