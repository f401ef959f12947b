using System.Text.Json.Nodes;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>Talos: the image, machine secrets and configurations, bootstrap and kubeconfig.</summary>
internal static partial class TerraformRenderer
{
    private static JsonObject Talos(PlatformSpec spec)
    {
        var controlPlane = spec.NodePools.First(TalosPatches.IsControlPlane);
        var configurations = new JsonObject();
        foreach (var pool in spec.NodePools)
        {
            configurations[Id(pool.Name)] = new JsonObject
            {
                ["cluster_name"] = spec.Name,
                ["cluster_endpoint"] = $"https://${{cidrhost(hcloud_network_subnet.nodes.ip_range, {ApiLoadBalancerHost})}}:6443",
                ["machine_type"] = TalosPatches.IsControlPlane(pool) ? "controlplane" : "worker",
                ["machine_secrets"] = "${talos_machine_secrets.cluster.machine_secrets}",
                ["talos_version"] = spec.Cluster.TalosVersion,
                ["kubernetes_version"] = spec.Cluster.KubernetesVersion,
                ["docs"] = false,
                ["examples"] = false,
                ["config_patches"] = new JsonArray(
                [
                    $"${{file(\"${{path.module}}/../talos/{pool.Name}.yaml\")}}",
                    $"${{yamlencode({{ machine = {{ install = {{ image = \"factory.talos.dev/installer/${{talos_image_factory_schematic.longhorn.id}}:{spec.Cluster.TalosVersion}\" }}, "
                        + $"certSANs = [cidrhost(hcloud_network_subnet.nodes.ip_range, {ApiLoadBalancerHost})] }} }})}}",
                    // The control plane signs service-account tokens with the RSA key IAM verifies (workload identity).
                    .. TalosPatches.IsControlPlane(pool)
                        ? new JsonNode[] { "${yamlencode({ cluster = { serviceAccount = { key = base64encode(tls_private_key.service_account.private_key_pem) } } })}" }
                        : [],
                ]),
            };
        }
        var schematic = new JsonObject
        {
            ["customization"] = new JsonObject
            {
                ["systemExtensions"] = new JsonObject { ["officialExtensions"] = new JsonArray("siderolabs/iscsi-tools", "siderolabs/util-linux-tools") },
            },
        };
        return new JsonObject
        {
            ["resource"] = new JsonObject
            {
                ["talos_machine_secrets"] = new JsonObject { ["cluster"] = new JsonObject { ["talos_version"] = spec.Cluster.TalosVersion } },
                // Longhorn needs iSCSI and the util-linux tools on every node: they come with the image.
                ["talos_image_factory_schematic"] = new JsonObject { ["longhorn"] = new JsonObject { ["schematic"] = $"${{yamlencode({ToHcl(schematic)})}}" } },
                ["talos_machine_bootstrap"] = new JsonObject
                {
                    ["cluster"] = new JsonObject
                    {
                        ["node"] = $"${{tolist(hcloud_server.{Id(controlPlane.Name)}[0].network)[0].ip}}",
                        ["client_configuration"] = "${talos_machine_secrets.cluster.client_configuration}",
                    },
                },
                ["talos_cluster_kubeconfig"] = new JsonObject
                {
                    ["cluster"] = new JsonObject
                    {
                        ["node"] = $"${{tolist(hcloud_server.{Id(controlPlane.Name)}[0].network)[0].ip}}",
                        ["client_configuration"] = "${talos_machine_secrets.cluster.client_configuration}",
                        ["depends_on"] = new JsonArray("talos_machine_bootstrap.cluster"),
                    },
                },
            },
            ["data"] = new JsonObject
            {
                ["talos_machine_configuration"] = configurations,
                ["talos_client_configuration"] = new JsonObject
                {
                    ["cluster"] = new JsonObject
                    {
                        ["cluster_name"] = spec.Name,
                        ["client_configuration"] = "${talos_machine_secrets.cluster.client_configuration}",
                        ["endpoints"] = new JsonArray($"${{cidrhost(hcloud_network_subnet.nodes.ip_range, {ApiLoadBalancerHost})}}"),
                    },
                },
            },
        };
    }
}
