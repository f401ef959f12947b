using System.Text.Json;

namespace Helix.Platform.Simulation;

/// <summary>
/// What an Argo CD AppProject permits, read once: destinations (exact namespaces in a set, globs in a
/// list, each only for the in-cluster server), source repositories, and the kinds it allows or
/// forbids, cluster-scoped and namespaced.
/// </summary>
internal sealed class AppProjectRules
{
    private const string InCluster = "https://kubernetes.default.svc";

    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);
    private readonly List<string> _namespaceGlobs = [];
    private readonly List<string> _repos;
    private readonly List<(string Group, string Kind)> _clusterAllowed;
    private readonly List<(string Group, string Kind)> _clusterDenied;
    private readonly List<(string Group, string Kind)> _namespacedDenied;
    private readonly List<(string Group, string Kind)>? _namespacedAllowed;

    public AppProjectRules(KubeObject project)
    {
        ArgumentNullException.ThrowIfNull(project);
        Name = project.Name;
        foreach (var destination in KubeObject.Items(project.At("spec", "destinations")))
        {
            var server = KubeObject.Text(destination, "server");
            var cluster = KubeObject.Text(destination, "name");
            if ((server is not null && !KyvernoPattern.Glob(InCluster, server)) || (cluster is not null && !KyvernoPattern.Glob("in-cluster", cluster)))
            {
                continue;
            }
            var ns = KubeObject.Text(destination, "namespace") ?? "";
            if (ns.IndexOfAny(['*', '?']) >= 0)
            {
                _namespaceGlobs.Add(ns);
            }
            else
            {
                _namespaces.Add(ns);
            }
        }
        _repos = [.. KubeObject.Items(project.At("spec", "sourceRepos")).Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)];
        _clusterAllowed = Kinds(project, "clusterResourceWhitelist");
        _clusterDenied = Kinds(project, "clusterResourceBlacklist");
        _namespacedDenied = Kinds(project, "namespaceResourceBlacklist");
        _namespacedAllowed = project.At("spec", "namespaceResourceWhitelist") is { ValueKind: JsonValueKind.Array } ? Kinds(project, "namespaceResourceWhitelist") : null;
    }

    public string Name { get; }

    public bool Permits(string ns) => _namespaces.Contains(ns) || _namespaceGlobs.Any(glob => KyvernoPattern.Glob(ns, glob));

    public bool PermitsSource(string repo) => _repos.Any(r => KyvernoPattern.Glob(repo, r));

    /// <summary>Why the project refuses an object in namespace <paramref name="ns"/> (null: cluster-scoped); null when it permits it.</summary>
    public string? Refuses(KubeObject o, string? ns)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (ns is not null)
        {
            return !Permits(ns) ? $"namespace {ns} is not among its destinations"
                : Matches(_namespacedDenied, o) ? $"{o.Kind} ({o.Group}) is on its namespaced-resource blacklist"
                : _namespacedAllowed is { } allowed && !Matches(allowed, o) ? $"{o.Kind} ({o.Group}) is not on its namespaced-resource whitelist"
                : null;
        }
        return !Matches(_clusterAllowed, o) ? $"cluster-scoped {o.Kind} ({o.Group}) is not on its cluster-resource whitelist"
            : Matches(_clusterDenied, o) ? $"{o.Kind} ({o.Group}) is on its cluster-resource blacklist"
            : null;
    }

    private static List<(string Group, string Kind)> Kinds(KubeObject project, string field) =>
        [.. KubeObject.Items(project.At("spec", field)).Select(k => (KubeObject.Text(k, "group") ?? "", KubeObject.Text(k, "kind") ?? ""))];

    private static bool Matches(List<(string Group, string Kind)> kinds, KubeObject o) =>
        kinds.Any(k => KyvernoPattern.Glob(o.Group, k.Group) && KyvernoPattern.Glob(o.Kind, k.Kind));
}
