using System.Text.Json.Nodes;
using Helix.Platform.Components;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>Hetzner: the private network, servers per node pool, load balancers, egress floating IPs and the NetBird server.</summary>
internal static partial class TerraformRenderer
{
    private static JsonObject Network(PlatformSpec spec) => new()
    {
        ["resource"] = new JsonObject
        {
            ["hcloud_network"] = new JsonObject
            {
                ["main"] = new JsonObject { ["name"] = spec.Name, ["ip_range"] = spec.Infra.Hetzner.NetworkCidr, ["labels"] = Labels(spec) },
            },
            ["hcloud_network_subnet"] = new JsonObject
            {
                ["nodes"] = new JsonObject
                {
                    ["network_id"] = "${hcloud_network.main.id}",
                    ["type"] = "cloud",
                    ["network_zone"] = spec.Infra.Hetzner.NetworkZone,
                    ["ip_range"] = $"${{cidrsubnet(\"{spec.Infra.Hetzner.NetworkCidr}\", 8, 1)}}",
                },
            },
            ["hcloud_firewall"] = new JsonObject
            {
                // Nothing from the internet reaches a node: the Talos and Kubernetes APIs come over the
                // private network (NetBird's routing peer), HTTPS over the load balancer's private link.
                ["nodes"] = new JsonObject
                {
                    ["name"] = $"{spec.Name}-nodes",
                    ["labels"] = Labels(spec),
                    ["rule"] = new JsonArray(new JsonObject
                    {
                        ["direction"] = "in",
                        ["protocol"] = "icmp",
                        ["source_ips"] = new JsonArray("0.0.0.0/0", "::/0"),
                        ["description"] = "ping only; no TCP or UDP from the internet",
                    }),
                },
            },
        },
    };

    /// <summary>
    /// The private addresses Terraform gives a pool's nodes: host <see cref="FirstHost"/> onwards of the
    /// node subnet, <c>cidrsubnet(networkCidr, 8, 1)</c>, computed as Terraform computes it.
    /// </summary>
    public static IReadOnlyList<string> NodeAddresses(PlatformSpec spec, NodePoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var network = System.Net.IPNetwork.Parse(spec.Infra.Hetzner.NetworkCidr);
        var bytes = network.BaseAddress.GetAddressBytes();
        var start = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + (1u << (32 - (network.PrefixLength + 8)));
        return [.. Enumerable.Range(0, pool.Count).Select(i => start + (uint)(FirstHost(spec, pool) + i))
            .Select(a => new System.Net.IPAddress([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]).ToString())];
    }

    /// <summary>The first host number of a pool's nodes in the node subnet (pool index x 10 + 11).</summary>
    public static int FirstHost(PlatformSpec spec, NodePoolSpec pool) => 11 + (spec.NodePools.IndexOf(pool) * 10);

    private static JsonObject Servers(PlatformSpec spec)
    {
        var placement = new JsonObject();
        var servers = new JsonObject();
        foreach (var pool in spec.NodePools)
        {
            var name = Id(pool.Name);
            placement[name] = new JsonObject { ["name"] = $"{spec.Name}-{pool.Name}", ["type"] = "spread", ["labels"] = Labels(spec) };
            servers[name] = new JsonObject
            {
                ["count"] = pool.Count,
                ["name"] = $"{spec.Name}-{pool.Name}-${{count.index + 1}}",
                ["server_type"] = pool.ServerType,
                ["image"] = "${var.talos_image_id}",
                ["location"] = spec.Infra.Hetzner.Location,
                ["placement_group_id"] = $"${{hcloud_placement_group.{name}.id}}",
                ["firewall_ids"] = new JsonArray("${hcloud_firewall.nodes.id}"),
                ["labels"] = Labels(spec, new Dictionary<string, string> { ["helix-pool"] = pool.Name, ["helix-role"] = SpecBinder.Kebab(pool.Role.ToString()) }),
                ["user_data"] = $"${{data.talos_machine_configuration.{name}.machine_configuration}}",
                ["network"] = new JsonArray(new JsonObject
                {
                    ["network_id"] = "${hcloud_network.main.id}",
                    ["ip"] = $"${{cidrhost(hcloud_network_subnet.nodes.ip_range, {FirstHost(spec, pool)} + count.index)}}",
                }),
                ["public_net"] = new JsonObject { ["ipv4_enabled"] = true, ["ipv6_enabled"] = true },
                ["depends_on"] = new JsonArray("hcloud_network_subnet.nodes"),
                ["lifecycle"] = new JsonObject { ["ignore_changes"] = new JsonArray("user_data", "image") }, // Talos upgrades in place
            };
        }
        return new JsonObject { ["resource"] = new JsonObject { ["hcloud_placement_group"] = placement, ["hcloud_server"] = servers } };
    }

    private static JsonObject LoadBalancers(PlatformSpec spec)
    {
        var controlPlane = spec.NodePools.First(TalosPatches.IsControlPlane);
        return new JsonObject
        {
            ["resource"] = new JsonObject
            {
                ["hcloud_load_balancer"] = new JsonObject
                {
                    ["ingress"] = new JsonObject { ["name"] = $"{spec.Name}-ingress", ["load_balancer_type"] = spec.Infra.Hetzner.LoadBalancerType,
                        ["location"] = spec.Infra.Hetzner.Location, ["labels"] = Labels(spec) },
                    ["api"] = new JsonObject { ["name"] = $"{spec.Name}-api", ["load_balancer_type"] = spec.Infra.Hetzner.LoadBalancerType, ["location"] = spec.Infra.Hetzner.Location,
                        ["labels"] = Labels(spec) },
                },
                ["hcloud_load_balancer_network"] = new JsonObject
                {
                    ["ingress"] = new JsonObject { ["load_balancer_id"] = "${hcloud_load_balancer.ingress.id}", ["subnet_id"] = "${hcloud_network_subnet.nodes.id}" },
                    // The API load balancer has no public interface: reachable from the private network (and the mesh) only.
                    ["api"] = new JsonObject
                    {
                        ["load_balancer_id"] = "${hcloud_load_balancer.api.id}",
                        ["subnet_id"] = "${hcloud_network_subnet.nodes.id}",
                        ["ip"] = $"${{cidrhost(hcloud_network_subnet.nodes.ip_range, {ApiLoadBalancerHost})}}",
                        ["enable_public_interface"] = false,
                    },
                },
                ["hcloud_load_balancer_target"] = new JsonObject
                {
                    ["ingress"] = new JsonObject
                    {
                        ["type"] = "label_selector",
                        ["load_balancer_id"] = "${hcloud_load_balancer.ingress.id}",
                        ["label_selector"] = $"helix-pool={controlPlane.Name}",
                        ["use_private_ip"] = true,
                        ["depends_on"] = new JsonArray("hcloud_load_balancer_network.ingress"),
                    },
                    ["api"] = new JsonObject
                    {
                        ["type"] = "label_selector",
                        ["load_balancer_id"] = "${hcloud_load_balancer.api.id}",
                        ["label_selector"] = $"helix-pool={controlPlane.Name}",
                        ["use_private_ip"] = true,
                        ["depends_on"] = new JsonArray("hcloud_load_balancer_network.api"),
                    },
                },
                ["hcloud_load_balancer_service"] = new JsonObject
                {
                    // Public: HTTPS only, to Traefik's node port with proxy protocol (client addresses kept).
                    ["https"] = new JsonObject
                    {
                        ["load_balancer_id"] = "${hcloud_load_balancer.ingress.id}",
                        ["protocol"] = "tcp",
                        ["listen_port"] = 443,
                        ["destination_port"] = Traefik.WebsecureNodePort,
                        ["proxyprotocol"] = true,
                        ["health_check"] = new JsonObject { ["protocol"] = "tcp", ["port"] = Traefik.WebsecureNodePort, ["interval"] = 10, ["timeout"] = 5, ["retries"] = 3 },
                    },
                    ["kubernetes_api"] = new JsonObject { ["load_balancer_id"] = "${hcloud_load_balancer.api.id}", ["protocol"] = "tcp", ["listen_port"] = 6443, ["destination_port"] = 6443 },
                    ["talos_api"] = new JsonObject { ["load_balancer_id"] = "${hcloud_load_balancer.api.id}", ["protocol"] = "tcp", ["listen_port"] = 50000, ["destination_port"] = 50000 },
                },
            },
        };
    }

    private static JsonObject FloatingIps(PlatformSpec spec)
    {
        var egress = spec.NodePools.First(p => p.Role == NodeRole.Egress);
        return new JsonObject
        {
            ["resource"] = new JsonObject
            {
                ["hcloud_floating_ip"] = new JsonObject
                {
                    ["nat"] = new JsonObject
                    {
                        ["count"] = spec.Infra.NatEgressIps.Count,
                        ["type"] = "ipv4",
                        ["name"] = $"{spec.Name}-nat-${{count.index + 1}}",
                        ["home_location"] = spec.Infra.Hetzner.Location,
                        ["labels"] = Labels(spec),
                    },
                },
                ["hcloud_floating_ip_assignment"] = new JsonObject
                {
                    ["nat"] = new JsonObject
                    {
                        ["count"] = spec.Infra.NatEgressIps.Count,
                        ["floating_ip_id"] = "${hcloud_floating_ip.nat[count.index].id}",
                        ["server_id"] = $"${{hcloud_server.{Id(egress.Name)}[count.index].id}}",
                    },
                },
                // Each egress node holds its NAT address and says so in a label the egress gateway policies select.
                ["talos_machine_configuration_apply"] = new JsonObject
                {
                    ["egress"] = new JsonObject
                    {
                        ["count"] = spec.Infra.NatEgressIps.Count,
                        ["client_configuration"] = "${talos_machine_secrets.cluster.client_configuration}",
                        ["machine_configuration_input"] = $"${{data.talos_machine_configuration.{Id(egress.Name)}.machine_configuration}}",
                        ["node"] = $"${{tolist(hcloud_server.{Id(egress.Name)}[count.index].network)[0].ip}}",
                        ["config_patches"] = new JsonArray(
                            $"${{yamlencode({{ machine = {{ nodeLabels = {{ \"{NetworkPolicies.EgressIpNodeLabel}\" = hcloud_floating_ip.nat[count.index].ip_address }} }} }})}}",
                            "${yamlencode({ apiVersion = \"v1alpha1\", kind = \"LinkConfig\", name = \"eth0\", "
                                + "addresses = [{ address = format(\"%s/32\", hcloud_floating_ip.nat[count.index].ip_address) }] })}"),
                        ["depends_on"] = new JsonArray("talos_machine_bootstrap.cluster", "hcloud_floating_ip_assignment.nat"),
                    },
                },
            },
        };
    }

    /// <summary>The NetBird client the routing peer and CI's ephemeral peers run (the release the management server is installed from).</summary>
    public const string NetBirdVersion = "0.44.0";

    public const string NetBirdClientImage = $"docker.io/netbirdio/netbird:{NetBirdVersion}";

    /// <summary>The NetBird server's host number in the node subnet: it is also the routing peer into the private network.</summary>
    public const int NetBirdHost = 5;

    /// <summary>What the mesh may reach in the private network: the Kubernetes and Talos APIs, at the API load balancer.</summary>
    public static readonly IReadOnlyList<int> MeshPorts = [6443, 50000];

    private static JsonObject NetBird(PlatformSpec spec)
    {
        var host = Uri.TryCreate(spec.Infra.NetBird.ManagementUrl, UriKind.Absolute, out var url) ? url.Host : spec.Infra.NetBird.ManagementUrl;
        // cloud-init installs the management server from NetBird's release (its script sets up the dashboard, signal, relay and IdP).
        var cloudInit = "#cloud-config\n"
            + "package_update: true\n"
            + "packages: [docker.io, docker-compose, curl, jq]\n"
            + "runcmd:\n"
            + $"  - [sh, -c, \"curl -fsSL -o /root/netbird-setup.sh https://github.com/netbirdio/netbird/releases/download/v{NetBirdVersion}/getting-started-with-zitadel.sh"
            + $" && cd /root && NETBIRD_DOMAIN={host} bash netbird-setup.sh > /root/netbird-setup.log 2>&1\"]\n";
        return new()
        {
            ["resource"] = new JsonObject
            {
                ["hcloud_ssh_key"] = new JsonObject
                {
                    ["operator"] = new JsonObject { ["name"] = $"{spec.Name}-operator", ["public_key"] = "${var.operator_ssh_public_key}", ["labels"] = Labels(spec) },
                },
                ["hcloud_server"] = new JsonObject
                {
                    ["netbird"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-netbird",
                        ["server_type"] = "cx22",
                        ["image"] = "debian-12",
                        ["location"] = spec.Infra.Hetzner.Location,
                        ["ssh_keys"] = new JsonArray("${hcloud_ssh_key.operator.id}"),
                        ["user_data"] = cloudInit,
                        ["firewall_ids"] = new JsonArray("${hcloud_firewall.netbird.id}"),
                        ["labels"] = Labels(spec, new Dictionary<string, string> { ["helix-role"] = "netbird" }),
                        ["network"] = new JsonArray(new JsonObject { ["network_id"] = "${hcloud_network.main.id}", ["ip"] = $"${{cidrhost(hcloud_network_subnet.nodes.ip_range, {NetBirdHost})}}" }),
                        ["depends_on"] = new JsonArray("hcloud_network_subnet.nodes"),
                    },
                },
                ["hcloud_firewall"] = new JsonObject
                {
                    ["netbird"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-netbird",
                        ["labels"] = Labels(spec),
                        ["rule"] = new JsonArray(
                            new JsonObject { ["direction"] = "in", ["protocol"] = "tcp", ["port"] = "22", ["source_ips"] = new JsonArray([.. spec.Infra.NetBird.AdminCidrs.Select(c => (JsonNode)c)]),
                                ["description"] = "SSH from the operators' addresses only" },
                            new JsonObject { ["direction"] = "in", ["protocol"] = "tcp", ["port"] = "443", ["source_ips"] = new JsonArray("0.0.0.0/0", "::/0"),
                                ["description"] = "management API and dashboard" },
                            new JsonObject { ["direction"] = "in", ["protocol"] = "udp", ["port"] = "3478", ["source_ips"] = new JsonArray("0.0.0.0/0", "::/0"), ["description"] = "STUN/TURN" },
                            new JsonObject { ["direction"] = "in", ["protocol"] = "udp", ["port"] = "51820", ["source_ips"] = new JsonArray("0.0.0.0/0", "::/0"), ["description"] = "WireGuard" }),
                    },
                },
                ["netbird_group"] = new JsonObject
                {
                    ["ci"] = new JsonObject { ["name"] = $"{spec.Name}-ci" },
                    ["operators"] = new JsonObject { ["name"] = $"{spec.Name}-operators" },
                    ["routers"] = new JsonObject { ["name"] = $"{spec.Name}-routers" },
                    ["apis"] = new JsonObject { ["name"] = $"{spec.Name}-apis" },
                },
                ["netbird_setup_key"] = new JsonObject
                {
                    // Ephemeral peers: a CI job joins, reaches the APIs through the mesh, and is removed when it goes.
                    ["ci"] = new JsonObject
                    {
                        ["name"] = spec.Infra.NetBird.SetupKeySecret,
                        ["type"] = "reusable",
                        ["ephemeral"] = true,
                        ["auto_groups"] = new JsonArray("${netbird_group.ci.id}"),
                        ["expiry_seconds"] = 7776000,
                    },
                    // The routing peer joins once, for good.
                    ["router"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-router",
                        ["type"] = "one-off",
                        ["ephemeral"] = false,
                        ["auto_groups"] = new JsonArray("${netbird_group.routers.id}"),
                        ["expiry_seconds"] = 86400,
                    },
                },
                // The private network is routed by the routing peer (masquerading), and only the API load balancer is a resource in it.
                ["netbird_network"] = new JsonObject
                {
                    ["private"] = new JsonObject { ["name"] = $"{spec.Name}-private", ["description"] = "the cluster's private network, reached through the routing peer" },
                },
                ["netbird_network_resource"] = new JsonObject
                {
                    ["apis"] = new JsonObject
                    {
                        ["network_id"] = "${netbird_network.private.id}",
                        ["name"] = $"{spec.Name}-api-load-balancer",
                        ["address"] = $"${{cidrhost(hcloud_network_subnet.nodes.ip_range, {ApiLoadBalancerHost})}}/32",
                        ["groups"] = new JsonArray("${netbird_group.apis.id}"),
                        ["enabled"] = true,
                    },
                },
                ["netbird_network_router"] = new JsonObject
                {
                    ["private"] = new JsonObject
                    {
                        ["network_id"] = "${netbird_network.private.id}",
                        ["peer_groups"] = new JsonArray("${netbird_group.routers.id}"),
                        ["masquerade"] = true,
                        ["metric"] = 9999,
                        ["enabled"] = true,
                    },
                },
                // CI and operators reach the Kubernetes and Talos APIs, and nothing else in the private network.
                ["netbird_policy"] = new JsonObject
                {
                    ["apis"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-apis",
                        ["description"] = "CI and operators to the Kubernetes and Talos APIs",
                        ["enabled"] = true,
                        ["rule"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "apis",
                            ["action"] = "accept",
                            ["bidirectional"] = false,
                            ["enabled"] = true,
                            ["protocol"] = "tcp",
                            ["ports"] = new JsonArray([.. MeshPorts.Select(p => (JsonNode)p.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
                            ["sources"] = new JsonArray("${netbird_group.ci.id}", "${netbird_group.operators.id}"),
                            ["destinations"] = new JsonArray("${netbird_group.apis.id}"),
                        }),
                    },
                },
            },
        };
    }
}
