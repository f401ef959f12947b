using System.Text.Json;

namespace Helix.Platform.Simulation;

/// <summary>A volume claim a pod makes: the storage class it names (null: the default class); <paramref name="ByName"/> when it mounts a claim object by name.</summary>
internal sealed record Claim(string Name, string? StorageClass, bool ByName = false);

/// <summary>
/// The pods an object makes, as the scheduler and admission see them: where they may land, what they
/// request, how many there are, and the pod spec itself (null for an operator's pods whose spec the
/// operator writes, such as a CloudNativePG cluster's).
/// </summary>
internal sealed record PodShape(
    string Owner,
    JsonElement? Spec,
    IReadOnlyDictionary<string, string> NodeSelector,
    IReadOnlyList<JsonElement> Tolerations,
    IReadOnlyList<JsonElement>? NodeSelectorTerms,
    decimal Cpu,
    decimal Memory,
    int Replicas,
    bool OnEveryNode,
    IReadOnlyList<Claim> Claims)
{
    private const string RequiredAffinity = "requiredDuringSchedulingIgnoredDuringExecution";

    private static IReadOnlyList<JsonElement>? Terms(JsonElement? terms) => terms is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray()] : null;

    /// <summary>The pods an object runs: workloads by their template, CloudNativePG clusters and poolers by their operator's rules.</summary>
    public static PodShape? Of(KubeObject o, int? scaledTo)
    {
        ArgumentNullException.ThrowIfNull(o);
        var owner = $"{o.Kind}/{o.Name}";
        var replicas = scaledTo ?? KubeObject.Number(o.Json, "spec", "replicas") ?? 1;
        return (o.Group, o.Kind) switch
        {
            ("", "Pod") => FromSpec(owner, o.At("spec"), 1, false, []),
            ("apps", "Deployment") or ("apps", "ReplicaSet") or ("", "ReplicationController") => FromSpec(owner, o.At("spec", "template", "spec"), replicas, false, []),
            ("apps", "StatefulSet") => FromSpec(owner, o.At("spec", "template", "spec"), replicas, false,
                [.. KubeObject.Items(o.At("spec", "volumeClaimTemplates")).Select(t => new Claim(KubeObject.Text(t, "metadata", "name") ?? "", KubeObject.Text(t, "spec", "storageClassName")))]),
            ("apps", "DaemonSet") => FromSpec(owner, o.At("spec", "template", "spec"), 0, true, []),
            ("batch", "Job") => FromSpec(owner, o.At("spec", "template", "spec"), 1, false, []),
            ("batch", "CronJob") => FromSpec(owner, o.At("spec", "jobTemplate", "spec", "template", "spec"), 1, false, []),
            (Components.Cnpg.Group, "Pooler") => FromSpec(owner, o.At("spec", "template", "spec"), KubeObject.Number(o.Json, "spec", "instances") ?? 1, false, []),
            (Components.Cnpg.Group, "Cluster") => Cnpg(o, owner),
            _ => null,
        };
    }

    private static PodShape? FromSpec(string owner, JsonElement? spec, int replicas, bool daemon, IReadOnlyList<Claim> templates)
    {
        if (spec is not { ValueKind: JsonValueKind.Object } pod)
        {
            return null;
        }
        var containers = KubeObject.Items(KubeObject.Element(pod, "containers")).ToList();
        var inits = KubeObject.Items(KubeObject.Element(pod, "initContainers")).ToList();
        // The scheduler charges the larger of the containers' sum and the largest init container.
        decimal Request(string resource) => Math.Max(
            containers.Sum(c => NodePool.Quantity(KubeObject.Text(c, "resources", "requests", resource))),
            inits.Select(c => NodePool.Quantity(KubeObject.Text(c, "resources", "requests", resource))).DefaultIfEmpty(0).Max());
        var claims = KubeObject.Items(KubeObject.Element(pod, "volumes"))
            .Select(v => KubeObject.Text(v, "persistentVolumeClaim", "claimName")).OfType<string>()
            .Select(name => new Claim(name, StorageClass: null, ByName: true)).ToList();
        return new PodShape(owner, pod, KubeObject.Map(pod, "nodeSelector"), [.. KubeObject.Items(KubeObject.Element(pod, "tolerations"))],
            Terms(KubeObject.Element(pod, "affinity", "nodeAffinity", RequiredAffinity, "nodeSelectorTerms")),
            Request("cpu"), Request("memory"), replicas, daemon, [.. templates, .. claims]);
    }

    /// <summary>
    /// A CloudNativePG cluster: the operator runs <c>spec.instances</c> pods with the cluster's
    /// <c>affinity</c> (node selector, tolerations, node affinity) and <c>resources</c>, each with a
    /// data volume (and a WAL volume when set) of the classes <c>spec.storage</c> names.
    /// </summary>
    private static PodShape Cnpg(KubeObject o, string owner)
    {
        var claims = new List<Claim> { new("data", KubeObject.Text(o.Json, "spec", "storage", "storageClass")) };
        if (o.At("spec", "walStorage") is { ValueKind: JsonValueKind.Object })
        {
            claims.Add(new Claim("wal", KubeObject.Text(o.Json, "spec", "walStorage", "storageClass")));
        }
        return new PodShape(owner, null, KubeObject.Map(o.Json, "spec", "affinity", "nodeSelector"),
            [.. KubeObject.Items(o.At("spec", "affinity", "tolerations"))],
            Terms(o.At("spec", "affinity", "nodeAffinity", RequiredAffinity, "nodeSelectorTerms")),
            NodePool.Quantity(KubeObject.Text(o.Json, "spec", "resources", "requests", "cpu")),
            NodePool.Quantity(KubeObject.Text(o.Json, "spec", "resources", "requests", "memory")),
            KubeObject.Number(o.Json, "spec", "instances") ?? 1, false, claims);
    }
}
