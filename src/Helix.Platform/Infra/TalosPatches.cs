using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>
/// Talos machine-config patches, one per node pool (<c>infra/talos/&lt;pool&gt;.yaml</c>), which
/// Terraform's <c>talos_machine_configuration</c> applies: no CNI and no kube-proxy (Cilium
/// replaces both), KubePrism for the API, host DNS without forwarding kube-dns to the host (it
/// breaks CoreDNS under Cilium's BPF masquerade), the pool's labels and taints, and Longhorn's
/// kubelet mount. Longhorn's system extensions come with the image factory schematic (Terraform).
/// </summary>
internal static class TalosPatches
{
    /// <summary>The pool that runs the control plane (the seed names none; the infra pool's three nodes hold etcd's quorum).</summary>
    public const NodeRole ControlPlaneRole = NodeRole.Infra;

    public const int KubePrismPort = Meta.KubePrismPort;

    public static IEnumerable<(string Path, string Text)> Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var pool in model.Spec.NodePools)
        {
            yield return ($"infra/talos/{pool.Name}.yaml", YamlWriter.Write(Patch(model.Spec, pool)));
        }
    }

    public static bool IsControlPlane(NodePoolSpec pool) => pool.Role == ControlPlaneRole;

    /// <summary>The labels every node of the pool carries (the nodeSelectors of the GitOps tree select on them).</summary>
    public static Dictionary<string, string> Labels(NodePoolSpec pool)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Meta.NodeRoleLabel] = SpecBinder.Kebab(pool.Role.ToString()),
            ["helix.io/pool"] = pool.Name,
        };
        foreach (var (key, value) in pool.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            labels[key] = value;
        }
        return labels;
    }

    /// <summary>Taints of the pool: db and egress nodes take only what tolerates them.</summary>
    public static Dictionary<string, string> Taints(NodePoolSpec pool) =>
        pool.Role is NodeRole.Db or NodeRole.Egress
            ? new Dictionary<string, string>(StringComparer.Ordinal) { [Meta.NodeRoleLabel] = $"{SpecBinder.Kebab(pool.Role.ToString())}:NoSchedule" }
            : [];

    private static TalosConfig Patch(PlatformSpec spec, NodePoolSpec pool)
    {
        var taints = Taints(pool);
        var longhorn = spec.Data.Longhorn.DataPath;
        var machine = new TalosMachine(
            Labels(pool),
            taints.Count > 0 ? taints : null,
            // Nodes have a public and a private address: the kubelet (and etcd, on the control plane) take the private one.
            new TalosKubelet([new TalosMount(longhorn, "bind", longhorn, ["bind", "rshared", "rw"])], new TalosNodeIp([spec.Infra.Hetzner.NetworkCidr])),
            new TalosFeatures(new TalosKubePrism(true, KubePrismPort), new TalosHostDns(true, ForwardKubeDnsToHost: false)));
        var controlPlane = IsControlPlane(pool);
        var cluster = new TalosCluster(
            new TalosNetwork(new TalosCni("none"), [spec.Cluster.PodCidr], [spec.Cluster.ServiceCidr]),
            new TalosProxy(Disabled: true),
            controlPlane ? true : null,
            controlPlane ? new TalosEtcd([spec.Infra.Hetzner.NetworkCidr], Args(("listen-metrics-urls", $"http://0.0.0.0:{EtcdMetricsPort}"))) : null,
            // Service-account tokens name the public issuer IAM trusts (workload identity); its keys are published at the jwks URI.
            controlPlane ? new TalosComponent(Args(
                ("service-account-issuer", WorkloadIdentity.Issuer(spec)),
                ("service-account-jwks-uri", $"{WorkloadIdentity.Issuer(spec)}/{WorkloadIdentity.JwksKey}"))) : null,
            // Metrics listen beyond loopback so Prometheus can scrape them; the node firewall keeps the internet out.
            controlPlane ? new TalosComponent(Args(("bind-address", "0.0.0.0"))) : null,
            controlPlane ? new TalosComponent(Args(("bind-address", "0.0.0.0"))) : null);
        return new TalosConfig("v1alpha1", machine, cluster);
    }

    /// <summary>etcd's plain-HTTP metrics listener (Talos' default, bound to loopback unless told otherwise).</summary>
    public const int EtcdMetricsPort = 2381;

    private static Dictionary<string, string> Args(params (string Key, string Value)[] args) => args.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    // Typed records of the few Talos machine-config fields Helix sets (v1alpha1.Config).
    internal sealed record TalosConfig(string Version, TalosMachine Machine, TalosCluster Cluster);

    internal sealed record TalosMachine(Dictionary<string, string> NodeLabels, Dictionary<string, string>? NodeTaints, TalosKubelet Kubelet, TalosFeatures Features);

    internal sealed record TalosKubelet(IReadOnlyList<TalosMount> ExtraMounts, [property: System.Text.Json.Serialization.JsonPropertyName("nodeIP")] TalosNodeIp NodeIp);

    internal sealed record TalosNodeIp(IReadOnlyList<string> ValidSubnets);

    internal sealed record TalosEtcd(IReadOnlyList<string> AdvertisedSubnets, Dictionary<string, string> ExtraArgs);

    internal sealed record TalosComponent(Dictionary<string, string> ExtraArgs);

    internal sealed record TalosMount(string Destination, string Type, string Source, IReadOnlyList<string> Options);

    internal sealed record TalosFeatures(TalosKubePrism KubePrism, [property: System.Text.Json.Serialization.JsonPropertyName("hostDNS")] TalosHostDns HostDns);

    internal sealed record TalosKubePrism(bool Enabled, int Port);

    internal sealed record TalosHostDns(bool Enabled, [property: System.Text.Json.Serialization.JsonPropertyName("forwardKubeDNSToHost")] bool ForwardKubeDnsToHost);

    internal sealed record TalosCluster(TalosNetwork Network, TalosProxy Proxy, bool? AllowSchedulingOnControlPlanes, TalosEtcd? Etcd,
        [property: System.Text.Json.Serialization.JsonPropertyName("apiServer")] TalosComponent? ApiServer, TalosComponent? ControllerManager, TalosComponent? Scheduler);

    internal sealed record TalosNetwork(TalosCni Cni, IReadOnlyList<string> PodSubnets, IReadOnlyList<string> ServiceSubnets);

    internal sealed record TalosCni(string Name);

    internal sealed record TalosProxy(bool Disabled);
}
