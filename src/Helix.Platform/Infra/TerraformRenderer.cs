using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>
/// The infra repository's Terraform, as Terraform JSON (<c>infra/terraform/*.tf.json</c>): one root
/// module split by concern, providers pinned, node pools and names from the same spec as the
/// GitOps tree. Secrets are variables marked sensitive, never literals.
/// </summary>
internal static partial class TerraformRenderer
{
    public const string Folder = "infra/terraform";

    /// <summary>Provider versions, pinned exactly; bumped in one reviewed line each.</summary>
    public static readonly IReadOnlyList<(string Name, string Source, string Version)> Providers =
    [
        ("hcloud", "hetznercloud/hcloud", "1.52.0"),
        ("aws", "hashicorp/aws", "6.0.0"),
        // 0.11 is built on the Talos 1.13 machinery (0.N on 1.(N+2)): the spec's Talos, whose LinkConfig the egress patch uses.
        ("talos", "siderolabs/talos", "0.11.0"),
        ("netbird", "netbirdio/netbird", "0.0.9"),
        ("tls", "hashicorp/tls", "4.1.0"),
    ];

    /// <summary>The private address of the internal API load balancer: the cluster endpoint every node and the mesh use.</summary>
    public const int ApiLoadBalancerHost = 254;

    // Relaxed escaping: HCL expressions keep their quotes readable (\" rather than \u0022).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<(string Path, string Text)> Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var spec = model.Spec;
        var files = new List<(string Name, JsonObject Content)>
        {
            ("versions", Versions(spec)),
            ("variables", Variables()),
            ("network", Network(spec)),
            ("servers", Servers(spec)),
            ("load-balancers", LoadBalancers(spec)),
            ("floating-ips", FloatingIps(spec)),
            ("dns", Dns(spec)),
            ("netbird", NetBird(spec)),
            ("identity", Identity(model)),
            ("talos", Talos(spec)),
            ("outputs", Outputs(spec)),
        };
        // The aws file holds CI's roles, whose rights are read off every AWS resource rendered (its own buckets and key included).
        var aws = Aws(spec, []);
        var resources = files.Select(f => f.Content).Append(aws).SelectMany(AwsResources).ToList();
        files.Insert(files.FindIndex(f => f.Name == "identity"), ("aws", Aws(spec, resources)));
        return files.Select(f => File(f.Name, f.Content)).ToList();
    }

    private static IEnumerable<(string Type, string Name, JsonObject Body)> AwsResources(JsonObject file) =>
        file["resource"] is JsonObject resources
            ? resources.Where(t => t.Key.StartsWith("aws_", StringComparison.Ordinal))
                .SelectMany(t => t.Value!.AsObject().Select(r => (t.Key, r.Key, r.Value!.AsObject())))
            : [];

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
                        // The state holds secrets: encrypted with the platform's key, not S3's own.
                        ["kms_key_id"] = KmsAliasArn(spec),
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
            ["talos_image_id"] = new JsonObject { ["type"] = "string", ["description"] = "Hetzner snapshot of the Talos image built from the factory schematic (bring-up stage 4)" },
            ["operator_ssh_public_key"] = new JsonObject { ["type"] = "string", ["description"] = "the operators' SSH public key for the NetBird server (a public key: not a secret)" },
        },
    };

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
            ["netbird_ipv4"] = new JsonObject { ["value"] = "${hcloud_server.netbird.ipv4_address}", ["description"] = "the NetBird server (SSH from infra.netBird.adminCidrs)" },
            ["ci_setup_key"] = new JsonObject { ["value"] = "${netbird_setup_key.ci.key}", ["sensitive"] = true,
                ["description"] = $"CI's ephemeral NetBird setup key: the repository secret {CiWorkflows.SecretName(spec.Infra.NetBird.SetupKeySecret)}" },
            ["router_setup_key"] = new JsonObject { ["value"] = "${netbird_setup_key.router.key}", ["sensitive"] = true, ["description"] = "the routing peer's one-off setup key" },
            ["cluster_issuer"] = new JsonObject { ["value"] = "${aws_iam_openid_connect_provider.cluster.url}", ["description"] = "the service-account issuer IAM trusts" },
            ["talos_schematic_id"] = new JsonObject { ["value"] = "${talos_image_factory_schematic.longhorn.id}",
                ["description"] = "the image factory schematic of the Talos image (with Longhorn's extensions)" },
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
