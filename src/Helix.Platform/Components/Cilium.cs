using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>Seed step 2: the CNI, kube-proxy replacement, network policy engine and egress gateway.</summary>
internal sealed class Cilium : IComponent
{
    public const string Name = "cilium";
    public const string Namespace = "kube-system";
    public static readonly ChartPin Pin = new("https://helm.cilium.io/", "cilium", "1.20.0");

    public static readonly CrdKind NetworkPolicy = new("cilium.io", "CiliumNetworkPolicy");
    public static readonly CrdKind EgressGatewayPolicy = new("cilium.io", "CiliumEgressGatewayPolicy");

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 2,
        Parts = [new(Name, Namespace, "platform", [])],
        Charts = [Pin],
        CrdsInstalled = [NetworkPolicy, new("cilium.io", "CiliumClusterwideNetworkPolicy"), EgressGatewayPolicy],
        CrdsUsed = [MonitoringCrds.ServiceMonitor],
        // A DaemonSet without tolerations: the untainted pools.
        NodePools = [NodeRole.Infra, NodeRole.Compute],
    };

    public ComponentRender Render(PlatformModel model) => new(
    [
        new(Pin, Name, new JsonObject
        {
            ["ipam"] = new JsonObject { ["mode"] = "kubernetes" },
            // Talos: no kube-proxy; the API server is reached through KubePrism on every node.
            ["kubeProxyReplacement"] = true,
            ["k8sServiceHost"] = "localhost",
            ["k8sServicePort"] = Meta.KubePrismPort,
            ["bpf"] = new JsonObject { ["masquerade"] = true },
            ["egressGateway"] = new JsonObject { ["enabled"] = true },
            ["hubble"] = new JsonObject
            {
                ["enabled"] = true,
                ["relay"] = new JsonObject { ["enabled"] = true },
                ["ui"] = new JsonObject { ["enabled"] = true },
                ["metrics"] = new JsonObject
                {
                    ["enabled"] = new JsonArray("dns", "drop", "tcp", "flow", "policy:sourceContext=workload-name|reserved-identity;destinationContext=workload-name|reserved-identity"),
                    ["serviceMonitor"] = new JsonObject { ["enabled"] = true },
                },
            },
            ["prometheus"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true, ["trustCRDsExist"] = true } },
            ["operator"] = new JsonObject { ["replicas"] = 2, ["prometheus"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } } },
            // Talos mounts cgroup v2 itself and forbids the SYS_MODULE capability.
            ["cgroup"] = new JsonObject { ["autoMount"] = new JsonObject { ["enabled"] = false }, ["hostRoot"] = "/sys/fs/cgroup" },
            ["securityContext"] = new JsonObject
            {
                ["capabilities"] = new JsonObject
                {
                    ["ciliumAgent"] = new JsonArray("CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_ADMIN", "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"),
                    ["cleanCiliumState"] = new JsonArray("NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"),
                },
            },
            ["policyEnforcementMode"] = "default",
            ["ipv4NativeRoutingCIDR"] = model.Spec.Cluster.PodCidr,
        }),
    ], []);
}
