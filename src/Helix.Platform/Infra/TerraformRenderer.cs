using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>
/// The infra repository's Terraform, as Terraform JSON (<c>infra/terraform/*.tf.json</c>): one root
/// module split by concern, providers pinned, node pools and names from the same spec as the
/// GitOps tree. Secrets are variables marked sensitive, never literals.
/// </summary>
public static class TerraformRenderer
{
    public const string Folder = "infra/terraform";

    /// <summary>Provider versions, pinned exactly; bumped in one reviewed line each.</summary>
    public static readonly IReadOnlyList<(string Name, string Source, string Version)> Providers =
    [
        ("hcloud", "hetznercloud/hcloud", "1.52.0"),
        ("aws", "hashicorp/aws", "6.0.0"),
        ("talos", "siderolabs/talos", "0.8.1"),
        ("netbird", "netbirdio/netbird", "0.0.9"),
    ];

    /// <summary>The private address of the internal API load balancer: the cluster endpoint every node and the mesh use.</summary>
    public const int ApiLoadBalancerHost = 254;

    // Relaxed escaping: HCL expressions keep their quotes readable (\" rather than \u0022).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEnumerable<(string Path, string Text)> Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var spec = model.Spec;
        yield return File("versions", Versions(spec));
        yield return File("variables", Variables());
        yield return File("network", Network(spec));
        yield return File("servers", Servers(spec));
        yield return File("load-balancers", LoadBalancers(spec));
        yield return File("floating-ips", FloatingIps(spec));
        yield return File("dns", Dns(spec));
        yield return File("netbird", NetBird(spec));
        yield return File("aws", Aws(spec));
        yield return File("talos", Talos(spec));
        yield return File("outputs", Outputs(spec));
    }

    /// <summary>A root module file; its first key is Terraform's JSON comment, saying it is generated.</summary>
    private static (string, string) File(string name, JsonObject content)
    {
        var file = new JsonObject { ["//"] = GeneratedHeader.Notice };
        foreach (var (key, value) in content.ToList())
        {
            content.Remove(key);
            file[key] = value;
        }
        return ($"{Folder}/{name}.tf.json", file.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n");
    }

    private static JsonObject Versions(PlatformSpec spec)
    {
        var required = new JsonObject();
        foreach (var (name, source, version) in Providers)
        {
            required[name] = new JsonObject { ["source"] = source, ["version"] = version };
        }
        return new JsonObject
        {
            ["terraform"] = new JsonObject
            {
                ["required_version"] = ">= 1.11.0",
                ["required_providers"] = required,
                ["backend"] = new JsonObject
                {
                    // Native S3 locking (Terraform 1.11+): no DynamoDB table.
                    ["s3"] = new JsonObject
                    {
                        ["bucket"] = spec.Infra.Aws.StateBucket,
                        ["key"] = $"{spec.Name}/terraform.tfstate",
                        ["region"] = spec.Infra.Aws.Region,
                        ["encrypt"] = true,
                        ["use_lockfile"] = true,
                    },
                },
            },
            ["provider"] = new JsonObject
            {
                ["hcloud"] = new JsonObject { ["token"] = "${var.hcloud_token}" },
                ["aws"] = new JsonObject { ["region"] = spec.Infra.Aws.Region },
                ["netbird"] = new JsonObject { ["management_url"] = spec.Infra.NetBird.ManagementUrl, ["token"] = "${var.netbird_token}" },
                ["talos"] = new JsonObject(),
            },
        };
    }

    private static JsonObject Variables() => new()
    {
        ["variable"] = new JsonObject
        {
            ["hcloud_token"] = new JsonObject { ["type"] = "string", ["sensitive"] = true, ["description"] = "Hetzner Cloud API token (from the CI's secret store)" },
            ["netbird_token"] = new JsonObject { ["type"] = "string", ["sensitive"] = true, ["description"] = "NetBird management access token of a service user" },
            ["talos_image_id"] = new JsonObject { ["type"] = "string", ["description"] = "Hetzner snapshot of the Talos image built from the factory schematic (bring-up step 1)" },
        },
    };

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
                    ["ingress"] = new JsonObject { ["name"] = $"{spec.Name}-ingress", ["load_balancer_type"] = spec.Infra.Hetzner.LoadBalancerType, ["location"] = spec.Infra.Hetzner.Location, ["labels"] = Labels(spec) },
                    ["api"] = new JsonObject { ["name"] = $"{spec.Name}-api", ["load_balancer_type"] = spec.Infra.Hetzner.LoadBalancerType, ["location"] = spec.Infra.Hetzner.Location, ["labels"] = Labels(spec) },
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
                            "${yamlencode({ apiVersion = \"v1alpha1\", kind = \"LinkConfig\", name = \"eth0\", addresses = [{ address = format(\"%s/32\", hcloud_floating_ip.nat[count.index].ip_address) }] })}"),
                        ["depends_on"] = new JsonArray("talos_machine_bootstrap.cluster", "hcloud_floating_ip_assignment.nat"),
                    },
                },
            },
        };
    }

    private static JsonObject Dns(PlatformSpec spec)
    {
        var zones = new JsonObject();
        var records = new JsonObject();
        foreach (var domain in spec.Domains)
        {
            var zone = Id(domain.Name);
            zones[zone] = new JsonObject { ["name"] = domain.Name, ["tags"] = Tags(spec) };
            foreach (var route in spec.Routes.Where(r => Under(r.Host, domain.Name)).Select(r => r.Host).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                records[Id(route)] = new JsonObject
                {
                    ["zone_id"] = $"${{aws_route53_zone.{zone}.zone_id}}",
                    ["name"] = route,
                    ["type"] = "A",
                    ["ttl"] = 300,
                    ["records"] = new JsonArray("${hcloud_load_balancer.ingress.ipv4}"),
                };
            }
            if (Uri.TryCreate(spec.Infra.NetBird.ManagementUrl, UriKind.Absolute, out var netbird) && Under(netbird.Host, domain.Name))
            {
                records[Id(netbird.Host)] = new JsonObject
                {
                    ["zone_id"] = $"${{aws_route53_zone.{zone}.zone_id}}",
                    ["name"] = netbird.Host,
                    ["type"] = "A",
                    ["ttl"] = 300,
                    ["records"] = new JsonArray("${hcloud_server.netbird.ipv4_address}"),
                };
            }
        }
        return new JsonObject { ["resource"] = new JsonObject { ["aws_route53_zone"] = zones, ["aws_route53_record"] = records } };
    }

    private static JsonObject NetBird(PlatformSpec spec) => new()
    {
        ["resource"] = new JsonObject
        {
            // The self-hosted management server; NetBird itself is installed on it at bring-up (runbook).
            ["hcloud_server"] = new JsonObject
            {
                ["netbird"] = new JsonObject
                {
                    ["name"] = $"{spec.Name}-netbird",
                    ["server_type"] = "cx22",
                    ["image"] = "debian-12",
                    ["location"] = spec.Infra.Hetzner.Location,
                    ["firewall_ids"] = new JsonArray("${hcloud_firewall.netbird.id}"),
                    ["labels"] = Labels(spec, new Dictionary<string, string> { ["helix-role"] = "netbird" }),
                    ["network"] = new JsonArray(new JsonObject { ["network_id"] = "${hcloud_network.main.id}", ["ip"] = "${cidrhost(hcloud_network_subnet.nodes.ip_range, 5)}" }),
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
                        new JsonObject { ["direction"] = "in", ["protocol"] = "tcp", ["port"] = "443", ["source_ips"] = new JsonArray("0.0.0.0/0", "::/0"), ["description"] = "management API and dashboard" },
                        new JsonObject { ["direction"] = "in", ["protocol"] = "udp", ["port"] = "3478", ["source_ips"] = new JsonArray("0.0.0.0/0", "::/0"), ["description"] = "STUN/TURN" },
                        new JsonObject { ["direction"] = "in", ["protocol"] = "udp", ["port"] = "51820", ["source_ips"] = new JsonArray("0.0.0.0/0", "::/0"), ["description"] = "WireGuard" }),
                },
            },
            ["netbird_group"] = new JsonObject
            {
                ["ci"] = new JsonObject { ["name"] = $"{spec.Name}-ci" },
            },
            // Ephemeral peers: a CI job joins, reaches the APIs through the mesh, and is removed when it goes.
            ["netbird_setup_key"] = new JsonObject
            {
                ["ci"] = new JsonObject
                {
                    ["name"] = spec.Infra.NetBird.SetupKeySecret,
                    ["type"] = "reusable",
                    ["ephemeral"] = true,
                    ["auto_groups"] = new JsonArray("${netbird_group.ci.id}"),
                    ["expiry_seconds"] = 7776000,
                },
            },
        },
    };

    private static JsonObject Aws(PlatformSpec spec)
    {
        var aws = spec.Infra.Aws;
        var issuer = spec.SupplyChain.Cosign.Issuer;
        var issuerHost = new Uri(issuer).Host;
        var buckets = new[] { ("state", aws.StateBucket), ("postgres_backups", spec.Data.Postgres.Backup.Bucket) };
        var bucketResources = new JsonObject();
        var versioning = new JsonObject();
        var encryption = new JsonObject();
        var publicAccess = new JsonObject();
        foreach (var (id, name) in buckets)
        {
            bucketResources[id] = new JsonObject { ["bucket"] = name, ["tags"] = Tags(spec), ["lifecycle"] = new JsonObject { ["prevent_destroy"] = true } };
            versioning[id] = new JsonObject { ["bucket"] = $"${{aws_s3_bucket.{id}.id}}", ["versioning_configuration"] = new JsonObject { ["status"] = "Enabled" } };
            encryption[id] = new JsonObject
            {
                ["bucket"] = $"${{aws_s3_bucket.{id}.id}}",
                ["rule"] = new JsonArray(new JsonObject
                {
                    ["apply_server_side_encryption_by_default"] = new JsonObject { ["sse_algorithm"] = "aws:kms", ["kms_master_key_id"] = "${aws_kms_key.platform.arn}" },
                    ["bucket_key_enabled"] = true,
                }),
            };
            publicAccess[id] = new JsonObject
            {
                ["bucket"] = $"${{aws_s3_bucket.{id}.id}}",
                ["block_public_acls"] = true,
                ["block_public_policy"] = true,
                ["ignore_public_acls"] = true,
                ["restrict_public_buckets"] = true,
            };
        }
        return new JsonObject
        {
            ["resource"] = new JsonObject
            {
                ["aws_kms_key"] = new JsonObject
                {
                    ["platform"] = new JsonObject { ["description"] = $"{spec.Name}: Terraform state and SOPS", ["enable_key_rotation"] = true, ["deletion_window_in_days"] = 30, ["tags"] = Tags(spec) },
                },
                ["aws_kms_alias"] = new JsonObject
                {
                    ["sops"] = new JsonObject { ["name"] = $"alias/{spec.Name}-sops", ["target_key_id"] = "${aws_kms_key.platform.key_id}" },
                },
                ["aws_s3_bucket"] = bucketResources,
                ["aws_s3_bucket_versioning"] = versioning,
                ["aws_s3_bucket_server_side_encryption_configuration"] = encryption,
                ["aws_s3_bucket_public_access_block"] = publicAccess,
                ["aws_iam_openid_connect_provider"] = new JsonObject
                {
                    ["github"] = new JsonObject { ["url"] = issuer, ["client_id_list"] = new JsonArray("sts.amazonaws.com"), ["tags"] = Tags(spec) },
                },
                ["aws_iam_role"] = new JsonObject
                {
                    ["github_actions"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-github-actions",
                        ["assume_role_policy"] = "${data.aws_iam_policy_document.github_assume.json}",
                        ["max_session_duration"] = 3600,
                        ["tags"] = Tags(spec),
                    },
                    // Pull requests plan with a role that can read the state but change nothing.
                    ["github_plan"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-github-plan",
                        ["assume_role_policy"] = "${data.aws_iam_policy_document.github_plan_assume.json}",
                        ["max_session_duration"] = 3600,
                        ["tags"] = Tags(spec),
                    },
                },
                ["aws_iam_role_policy"] = new JsonObject
                {
                    ["github_actions"] = new JsonObject { ["name"] = "terraform-state-and-sops", ["role"] = "${aws_iam_role.github_actions.id}", ["policy"] = "${data.aws_iam_policy_document.github_permissions.json}" },
                    ["github_plan"] = new JsonObject { ["name"] = "terraform-state-read", ["role"] = "${aws_iam_role.github_plan.id}", ["policy"] = "${data.aws_iam_policy_document.github_plan_permissions.json}" },
                },
            },
            ["data"] = new JsonObject
            {
                ["aws_iam_policy_document"] = new JsonObject
                {
                    // Only workflows of this repository, on the platform branch, may assume the role: no static keys.
                    ["github_assume"] = new JsonObject
                    {
                        ["statement"] = new JsonArray(new JsonObject
                        {
                            ["actions"] = new JsonArray("sts:AssumeRoleWithWebIdentity"),
                            ["principals"] = new JsonArray(new JsonObject { ["type"] = "Federated", ["identifiers"] = new JsonArray("${aws_iam_openid_connect_provider.github.arn}") }),
                            ["condition"] = new JsonArray(
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:aud", ["values"] = new JsonArray("sts.amazonaws.com") },
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:sub", ["values"] = new JsonArray($"repo:{aws.GitHubRepository}:ref:refs/heads/{aws.Branch}") }),
                        }),
                    },
                    ["github_plan_assume"] = new JsonObject
                    {
                        ["statement"] = new JsonArray(new JsonObject
                        {
                            ["actions"] = new JsonArray("sts:AssumeRoleWithWebIdentity"),
                            ["principals"] = new JsonArray(new JsonObject { ["type"] = "Federated", ["identifiers"] = new JsonArray("${aws_iam_openid_connect_provider.github.arn}") }),
                            ["condition"] = new JsonArray(
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:aud", ["values"] = new JsonArray("sts.amazonaws.com") },
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:sub", ["values"] = new JsonArray($"repo:{aws.GitHubRepository}:pull_request") }),
                        }),
                    },
                    ["github_plan_permissions"] = new JsonObject
                    {
                        ["statement"] = new JsonArray(
                            new JsonObject { ["sid"] = "StateRead", ["actions"] = new JsonArray("s3:ListBucket", "s3:GetObject"), ["resources"] = new JsonArray("${aws_s3_bucket.state.arn}", "${aws_s3_bucket.state.arn}/*") },
                            new JsonObject { ["sid"] = "Kms", ["actions"] = new JsonArray("kms:Decrypt", "kms:DescribeKey"), ["resources"] = new JsonArray("${aws_kms_key.platform.arn}") }),
                    },
                    ["github_permissions"] = new JsonObject
                    {
                        ["statement"] = new JsonArray(
                            new JsonObject { ["sid"] = "State", ["actions"] = new JsonArray("s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"), ["resources"] = new JsonArray("${aws_s3_bucket.state.arn}", "${aws_s3_bucket.state.arn}/*") },
                            new JsonObject { ["sid"] = "Kms", ["actions"] = new JsonArray("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"), ["resources"] = new JsonArray("${aws_kms_key.platform.arn}") }),
                    },
                },
            },
        };
    }

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
                    $"${{file(\"${{path.module}}/../talos/{pool.Name}.yaml\")}}",
                    $"${{yamlencode({{ machine = {{ install = {{ image = \"factory.talos.dev/installer/${{talos_image_factory_schematic.longhorn.id}}:{spec.Cluster.TalosVersion}\" }}, certSANs = [cidrhost(hcloud_network_subnet.nodes.ip_range, {ApiLoadBalancerHost})] }} }})}}"),
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

    private static JsonObject Outputs(PlatformSpec spec) => new()
    {
        ["output"] = new JsonObject
        {
            ["kubeconfig"] = new JsonObject { ["value"] = "${talos_cluster_kubeconfig.cluster.kubeconfig_raw}", ["sensitive"] = true },
            ["talosconfig"] = new JsonObject { ["value"] = "${data.talos_client_configuration.cluster.talos_config}", ["sensitive"] = true },
            ["ingress_ipv4"] = new JsonObject { ["value"] = "${hcloud_load_balancer.ingress.ipv4}", ["description"] = "the public HTTPS entry point" },
            ["nat_egress_ips"] = new JsonObject { ["value"] = "${hcloud_floating_ip.nat[*].ip_address}", ["description"] = "write these into infra.natEgressIps of the spec" },
            ["github_actions_role_arn"] = new JsonObject { ["value"] = "${aws_iam_role.github_actions.arn}" },
            ["github_plan_role_arn"] = new JsonObject { ["value"] = "${aws_iam_role.github_plan.arn}" },
            ["kms_key_arn"] = new JsonObject { ["value"] = "${aws_kms_key.platform.arn}" },
            ["talos_schematic_id"] = new JsonObject { ["value"] = "${talos_image_factory_schematic.longhorn.id}", ["description"] = "the image factory schematic of the Talos image (with Longhorn's extensions)" },
            ["dns_name_servers"] = new JsonObject
            {
                ["value"] = "${{" + string.Join(", ", spec.Domains.Select(d => $"\"{d.Name}\" = aws_route53_zone.{Id(d.Name)}.name_servers")) + "}}",
                ["description"] = "delegate each domain to these name servers",
            },
        },
    };

    /// <summary>A Terraform identifier from a name: dots and dashes become underscores.</summary>
    public static string Id(string name) => name.Replace('.', '_').Replace('-', '_');

    private static bool Under(string host, string domain) => host == domain || host.EndsWith("." + domain, StringComparison.Ordinal);

    private static JsonObject Labels(PlatformSpec spec, IDictionary<string, string>? extra = null)
    {
        var labels = new JsonObject { ["platform"] = spec.Name, ["managed-by"] = "terraform" };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }
        return labels;
    }

    private static JsonObject Tags(PlatformSpec spec) => new() { ["platform"] = spec.Name, ["managed-by"] = "terraform" };

    /// <summary>An HCL object expression for yamlencode(): keys quoted, values JSON literals.</summary>
    private static string ToHcl(JsonNode? node) => node switch
    {
        JsonObject o => "{ " + string.Join(", ", o.Select(p => $"\"{p.Key}\" = {ToHcl(p.Value)}")) + " }",
        JsonArray a => "[" + string.Join(", ", a.Select(ToHcl)) + "]",
        JsonValue v => v.ToJsonString(),
        _ => "null",
    };
}
