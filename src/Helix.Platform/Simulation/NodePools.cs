using System.Text.Json;
using Helix.Platform.Docs;
using Helix.Platform.Infra;
using Helix.Platform.Model;
using k8s.Models;

namespace Helix.Platform.Simulation;

/// <summary>A node taint: pods that do not tolerate it stay off the node.</summary>
internal sealed record Taint(string Key, string Value, string Effect)
{
    public override string ToString() => $"{Key}={Value}:{Effect}";
}

/// <summary>
/// One node pool as the scheduler sees it: its nodes' labels and taints (the Talos patches'), and
/// each node's allocatable CPU and memory (the server type's size from the price table, less what
/// Talos and the kubelet keep), null when the price table does not know the server type.
/// </summary>
internal sealed record NodePool(string Name, int Count, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Taint> Taints, decimal? Cpu, decimal? Memory)
{
    /// <summary>What each node keeps for Talos, the kubelet and the container runtime.</summary>
    public const decimal ReservedCpu = 0.25m;

    private const decimal Gibibyte = 1024m * 1024 * 1024;

    public const decimal ReservedMemory = Gibibyte;

    public static IReadOnlyList<NodePool> From(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. model.Spec.NodePools.Select(pool =>
        {
            var labels = new Dictionary<string, string>(TalosPatches.Labels(pool), StringComparer.Ordinal)
            {
                ["kubernetes.io/os"] = "linux",
                ["kubernetes.io/arch"] = "amd64",
            };
            if (TalosPatches.IsControlPlane(pool))
            {
                // Talos labels control-plane nodes; Helix lets workloads schedule there (no control-plane taint).
                labels["node-role.kubernetes.io/control-plane"] = "";
            }
            var taints = TalosPatches.Taints(pool).Select(t =>
            {
                var (value, effect) = t.Value.Split(':') is [var v, var e] ? (v, e) : ("", t.Value);
                return new Taint(t.Key, value, effect);
            }).ToList();
            var size = CostAnalysis.Row(model.Spec.Costs, "hetzner", $"server/{pool.ServerType}");
            return new NodePool(pool.Name, pool.Count, labels, taints,
                size?.Vcpus is { } cpu ? cpu - ReservedCpu : null,
                size?.MemoryGb is { } gb ? (gb * Gibibyte) - ReservedMemory : null);
        })];
    }

    /// <summary>Whether a pod with this spec may land on the pool's nodes: node selector, required node affinity, taints.</summary>
    public string? Refuses(PodShape pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        foreach (var (key, value) in pod.NodeSelector)
        {
            if (Labels.GetValueOrDefault(key) != value)
            {
                return $"node selector {key}={value}";
            }
        }
        if (pod.NodeSelectorTerms is { } terms && !terms.Any(term => Matches(term)))
        {
            return "required node affinity";
        }
        if (Taints.FirstOrDefault(t => t.Effect is "NoSchedule" or "NoExecute" && !pod.Tolerations.Any(tol => Tolerates(tol, t))) is { } untolerated)
        {
            return $"taint {untolerated}";
        }
        return null;
    }

    private bool Matches(JsonElement term)
    {
        var expressions = KubeObject.Items(KubeObject.Element(term, "matchExpressions")).ToList();
        var fields = KubeObject.Items(KubeObject.Element(term, "matchFields")).ToList();
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false; // an empty term matches no node
        }
        return expressions.All(e =>
        {
            var key = KubeObject.Text(e, "key") ?? "";
            var values = KubeObject.Items(KubeObject.Element(e, "values")).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();
            var has = Labels.TryGetValue(key, out var label);
            return KubeObject.Text(e, "operator") switch
            {
                "In" => has && values.Contains(label!),
                "NotIn" => !has || !values.Contains(label!),
                "Exists" => has,
                "DoesNotExist" => !has,
                "Gt" => has && long.TryParse(label, out var l) && values is [var g] && long.TryParse(g, out var gv) && l > gv,
                "Lt" => has && long.TryParse(label, out var m) && values is [var s] && long.TryParse(s, out var sv) && m < sv,
                _ => false,
            };
        }) && fields.Count == 0; // matchFields name single nodes, which a pool does not have
    }

    public static bool Tolerates(JsonElement toleration, Taint taint)
    {
        var key = KubeObject.Text(toleration, "key") ?? "";
        var effect = KubeObject.Text(toleration, "effect") ?? "";
        if (effect.Length > 0 && effect != taint.Effect)
        {
            return false;
        }
        return KubeObject.Text(toleration, "operator") == "Exists"
            ? key.Length == 0 || key == taint.Key
            : key == taint.Key && (KubeObject.Text(toleration, "value") ?? "") == taint.Value;
    }

    /// <summary>A quantity's value (cores, bytes); zero when it does not parse.</summary>
    public static decimal Quantity(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return 0;
        }
        try
        {
            return new ResourceQuantity(text).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return 0;
        }
    }
}
