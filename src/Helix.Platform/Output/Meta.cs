using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Output;

/// <summary>Labels, annotations and node placement every rendered object shares.</summary>
internal static class Meta
{
    public const string ComponentLabel = "helix.io/component";
    public const string OwnerLabel = "helix.io/owner";
    public const string ZoneLabel = "helix.io/zone";
    public const string DependsOnAnnotation = "helix.io/depends-on";
    public const string SyncWaveAnnotation = "argocd.argoproj.io/sync-wave";
    public const string NodeRoleLabel = "helix.io/node-role";

    /// <summary>Talos' KubePrism: the API server on every node's loopback (Cilium has no kube-proxy to reach it otherwise).</summary>
    public const int KubePrismPort = 7445;

    /// <summary>Kinds only the platform writes: an app or tenant project may not, so zero trust and quotas stay the platform's.</summary>
    public static readonly IReadOnlyList<GroupKind> PlatformOwnedKinds =
    [
        new("", "ResourceQuota"),
        new("", "LimitRange"),
        new("networking.k8s.io", "NetworkPolicy"),
        new("cilium.io", "CiliumNetworkPolicy"),
        new("kyverno.io", "Policy"),
    ];

    /// <summary>Where ArgoCD deploys: the cluster it runs in.</summary>
    public const string InCluster = "https://kubernetes.default.svc";

    public static V1ObjectMeta Object(string name, string? ns, string component, IDictionary<string, string>? extraLabels = null, IDictionary<string, string>? annotations = null)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app.kubernetes.io/name"] = name,
            ["app.kubernetes.io/part-of"] = "helix",
            ["app.kubernetes.io/managed-by"] = "helix",
            [ComponentLabel] = component,
            [OwnerLabel] = "gitops",
        };
        foreach (var (key, value) in extraLabels ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }
        return new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = labels,
            Annotations = annotations is { Count: > 0 } ? new Dictionary<string, string>(annotations, StringComparer.Ordinal) : null,
        };
    }

    /// <summary>The resource sync wave inside one Application (operators before their custom resources).</summary>
    public static Dictionary<string, string> Wave(int wave) => new(StringComparer.Ordinal) { [SyncWaveAnnotation] = wave.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Pods of a role's pool: its label, and its taint tolerated where the pool is tainted (db, egress).</summary>
    public static Dictionary<string, string> NodeSelector(NodeRole role) => new(StringComparer.Ordinal) { [NodeRoleLabel] = SpecBinder.Kebab(role.ToString()) };

    public static List<V1Toleration> Tolerations(NodeRole role) => role is NodeRole.Db or NodeRole.Egress
        ? [new V1Toleration { Key = NodeRoleLabel, OperatorProperty = "Equal", Value = SpecBinder.Kebab(role.ToString()), Effect = "NoSchedule" }]
        : [];

    /// <summary>The cluster-internal DNS name of a Service.</summary>
    public static string Dns(string service, string ns) => $"{service}.{ns}.svc.cluster.local";
}
