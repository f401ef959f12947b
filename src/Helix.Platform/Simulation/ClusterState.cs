using System.Globalization;
using System.Text.Json;
using Helix.Platform.Verification;

namespace Helix.Platform.Simulation;

/// <summary>
/// The simulated cluster: what has been applied so far, the node pools and what the pods placed so
/// far take of them, and facts about the whole tree (which Application installs each CRD, which
/// kinds are cluster-scoped, which workloads an autoscaler scales).
/// </summary>
internal sealed class ClusterState
{
    private readonly Dictionary<(string Group, string Kind), string> _crdOwners = [];
    private readonly HashSet<(string Group, string Kind)> _clusterScoped = [];
    private readonly Dictionary<string, int> _autoscaled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (decimal Cpu, decimal Memory)> _used = new(StringComparer.Ordinal);
    private readonly List<Finding> _warnings = [];

    public ClusterState(IReadOnlyList<NodePool> pools, IReadOnlyList<KubeObject> everything, IEnumerable<(KubeObject Object, string By)> owners,
        IEnumerable<(string Group, string Kind, string By)> registered)
    {
        Pools = pools;
        foreach (var (group, kind, by) in registered)
        {
            _crdOwners.TryAdd((group, kind), by);
        }
        foreach (var (o, by) in owners)
        {
            if (o.Kind == "CustomResourceDefinition" && KubeObject.Text(o.Json, "spec", "group") is { } group && KubeObject.Text(o.Json, "spec", "names", "kind") is { } kind)
            {
                _crdOwners.TryAdd((group, kind), by);
            }
        }
        foreach (var o in everything)
        {
            if (o.Kind == "CustomResourceDefinition" && KubeObject.Text(o.Json, "spec", "scope") == "Cluster"
                && KubeObject.Text(o.Json, "spec", "group") is { } group && KubeObject.Text(o.Json, "spec", "names", "kind") is { } kind)
            {
                _clusterScoped.Add((group, kind));
            }
            if (o.Kind == "HorizontalPodAutoscaler" && KubeObject.Text(o.Json, "spec", "scaleTargetRef", "name") is { } target)
            {
                _autoscaled[$"{KubeObject.Text(o.Json, "spec", "scaleTargetRef", "kind")}/{o.DeclaredNamespace}/{target}"] = KubeObject.Number(o.Json, "spec", "minReplicas") ?? 1;
            }
        }
    }

    public ObjectCatalog Applied { get; } = new();

    public IReadOnlyList<NodePool> Pools { get; }

    public IReadOnlyList<Finding> Warnings => _warnings;

    public void Warn(Finding finding) => _warnings.Add(finding);

    /// <summary>The Application (and wave) that installs a CRD anywhere in the bring-up.</summary>
    public string? CrdOwner(string group, string kind) => _crdOwners.GetValueOrDefault((group, kind));

    /// <summary>Where an object lands: no namespace for cluster-scoped kinds, else its own or the Application's destination.</summary>
    public string? NamespaceOf(KubeObject o, ArgoApplication app) =>
        ApiScope.IsClusterScoped(o.Group, o.Kind) || _clusterScoped.Contains((o.Group, o.Kind)) ? null : o.DeclaredNamespace ?? app.Namespace;

    /// <summary>The replicas an autoscaler keeps at least, when one scales the workload.</summary>
    public int? Autoscaled(KubeObject o, string? ns) => _autoscaled.TryGetValue($"{o.Kind}/{ns}/{o.Name}", out var min) ? min : null;

    /// <summary>The Kyverno rules in Enforce that match pods in <paramref name="ns"/>, with their policy and who applied it.</summary>
    public IEnumerable<(string Policy, JsonElement Rule, string By)> EnforcedPodRules(string ns)
    {
        foreach (var (policy, by) in Applied.Policies)
        {
            var specAction = KubeObject.Text(policy.Json, "spec", "validationFailureAction") ?? "Audit";
            foreach (var rule in KubeObject.Items(policy.At("spec", "rules")))
            {
                var action = KubeObject.Text(rule, "validate", "failureAction") ?? specAction;
                if (action.Equals("Enforce", StringComparison.OrdinalIgnoreCase) && MatchesPods(rule, policy, ns))
                {
                    yield return (policy.Name, rule, by);
                }
            }
        }
    }

    private static bool MatchesPods(JsonElement rule, KubeObject policy, string ns)
    {
        if (policy.Kind == "Policy" && policy.DeclaredNamespace != ns)
        {
            return false;
        }
        bool Selects(JsonElement filter)
        {
            var resources = KubeObject.Element(filter, "resources");
            var kinds = KubeObject.Items(resources is { } r ? KubeObject.Element(r, "kinds") : null).Select(k => k.ValueKind == JsonValueKind.String ? k.GetString() : null).ToList();
            var namespaces = KubeObject.Items(resources is { } n ? KubeObject.Element(n, "namespaces") : null)
                .Select(k => k.ValueKind == JsonValueKind.String ? k.GetString()! : "").ToList();
            return kinds.Any(k => k is "Pod" or "*" or "v1/Pod") && (namespaces.Count == 0 || namespaces.Any(p => KyvernoPattern.Glob(ns, p)));
        }
        IEnumerable<JsonElement> Filters(string block) =>
            KubeObject.Element(rule, block) is { } b
                ? KubeObject.Items(KubeObject.Element(b, "any")).Concat(KubeObject.Items(KubeObject.Element(b, "all"))).Append(b).Where(f => KubeObject.Element(f, "resources") is not null)
                : [];
        return Filters("match").Any(Selects) && !Filters("exclude").Any(Selects);
    }

    /// <summary>
    /// Places the pods on the pools they may use, each replica (each node, for a DaemonSet) where
    /// most room is left; why not, when the pools run out of CPU or memory.
    /// </summary>
    public string? Charge(PodShape pods, IReadOnlyList<NodePool> candidates)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(candidates);
        if (pods.OnEveryNode)
        {
            foreach (var pool in candidates)
            {
                Take(pool, pods.Cpu * pool.Count, pods.Memory * pool.Count);
            }
            return candidates.Select(Over).FirstOrDefault(o => o is not null);
        }
        for (var replica = 0; replica < pods.Replicas; replica++)
        {
            var pool = candidates.OrderByDescending(p => Free(p).Cpu).ThenBy(p => p.Name, StringComparer.Ordinal).First();
            Take(pool, pods.Cpu, pods.Memory);
            if (Over(pool) is { } over)
            {
                return over;
            }
        }
        return null;
    }

    private void Take(NodePool pool, decimal cpu, decimal memory)
    {
        var (usedCpu, usedMemory) = _used.GetValueOrDefault(pool.Name);
        _used[pool.Name] = (usedCpu + cpu, usedMemory + memory);
    }

    private (decimal Cpu, decimal Memory) Free(NodePool pool)
    {
        var (cpu, memory) = _used.GetValueOrDefault(pool.Name);
        return (((pool.Cpu ?? decimal.MaxValue / 1000) * pool.Count) - cpu, ((pool.Memory ?? decimal.MaxValue / 1000) * pool.Count) - memory);
    }

    private string? Over(NodePool pool)
    {
        var (cpu, memory) = Free(pool);
        return cpu < 0 ? $"pool {pool.Name} runs out of CPU: the pods placed so far request {(pool.Cpu!.Value * pool.Count) - cpu:0.##} cores of {pool.Cpu * pool.Count:0.##} allocatable"
            : memory < 0 ? $"pool {pool.Name} runs out of memory: the pods placed so far request {Gi((pool.Memory!.Value * pool.Count) - memory)} of {Gi(pool.Memory.Value * pool.Count)} allocatable"
            : null;
    }

    private static string Gi(decimal bytes) => (bytes / (1024m * 1024 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + "Gi";
}
