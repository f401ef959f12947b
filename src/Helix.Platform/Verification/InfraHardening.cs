using System.Globalization;
using System.Text.Json;
using Helix.Platform.Simulation;

namespace Helix.Platform.Verification;

/// <summary>
/// The seed's Terraform-owned infrastructure, kept hardened by hand edits too: the Kubernetes and
/// Talos APIs are never open to the internet (no firewall rule lets the world in on them, and the
/// load balancer in front of them has no public interface), and every bucket is private, encrypted
/// with the platform's KMS key, and versioned.
/// </summary>
internal static class InfraHardening
{
    public const string ExposureRule = "infra-exposure";
    public const string BucketRule = "infra-bucket";
    public const string StateRule = "infra-state";
    public const string TalosNetworkRule = "talos-private-network";
    public const string TalosProviderRule = "talos-provider";
    public const string KubeProxyRule = "talos-kube-proxy";
    public const string MeshRule = "mesh-policy";
    public const string CiRolesRule = "ci-roles";
    public const string MetricsRule = "talos-metrics";

    /// <summary>The Kubernetes API, and the Talos API with its trustd.</summary>
    private static readonly int[] ApiPorts = [6443, 50000, 50001];
    private static readonly string[] World = ["0.0.0.0/0", "::/0"];
    private static readonly string[] MeshPorts = [.. Infra.TerraformRenderer.MeshPorts.Select(p => p.ToString(CultureInfo.InvariantCulture))];
    private static readonly string[] PublicAccessBlocks = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

    /// <summary>
    /// A Talos patch keeps the kubelet (and, on the control plane, etcd) on the private network: nodes
    /// have a public address too, and would otherwise advertise whichever comes first.
    /// </summary>
    public static IEnumerable<Finding> Talos(string file, JsonElement patch, bool controlPlane)
    {
        if (Text(patch, "kind") is not null)
        {
            yield break; // a document of another kind (LinkConfig, ...) has no kubelet
        }
        // Cilium replaces kube-proxy and is the CNI: Talos' own would fight it for the same iptables and routes.
        if (!KubeObject.Flag(patch, "cluster", "proxy", "disabled"))
        {
            yield return new Finding(Severity.Error, file, "cluster.proxy", KubeProxyRule, "kube-proxy is not disabled: it and Cilium's replacement would both program services",
                "set cluster.proxy.disabled: true");
        }
        if (Text(patch, "cluster", "network", "cni", "name") != "none")
        {
            yield return new Finding(Severity.Error, file, "cluster.network.cni", KubeProxyRule, "Talos installs a CNI of its own beside Cilium",
                "set cluster.network.cni.name: none");
        }
        if (Items(KubeObject.Element(patch, "machine", "kubelet", "nodeIP"), "validSubnets").Count == 0)
        {
            yield return new Finding(Severity.Error, file, "machine.kubelet.nodeIP", TalosNetworkRule,
                "the kubelet may register the node's public address", "set machine.kubelet.nodeIP.validSubnets to the private network");
        }
        // Talos binds the control plane's metrics to loopback: Prometheus, in a pod, would find every target down.
        if (controlPlane)
        {
            foreach (var (component, arg) in ControlPlaneMetrics.Where(m =>
                         Text(patch, "cluster", m.Component, "extraArgs", m.Arg) is not { Length: > 0 } bound || bound.Contains("127.0.0.1", StringComparison.Ordinal)))
            {
                yield return new Finding(Severity.Error, file, $"cluster.{component}.extraArgs", MetricsRule, $"{component} serves its metrics on loopback only: Prometheus cannot scrape it",
                    $"set cluster.{component}.extraArgs.{arg} beyond loopback (the node firewall keeps the internet out)");
            }
        }
        if (controlPlane && Items(KubeObject.Element(patch, "cluster", "etcd"), "advertisedSubnets").Count == 0)
        {
            yield return new Finding(Severity.Error, file, "cluster.etcd", TalosNetworkRule,
                "etcd may advertise the node's public address to its peers", "set cluster.etcd.advertisedSubnets to the private network");
        }
    }

    /// <summary>
    /// The Talos provider's machinery must be the cluster's Talos minor version: provider 0.N is built on
    /// Talos 1.(N+2), and an older one cannot read the newer config documents the patches use.
    /// </summary>
    public static IEnumerable<Finding> TalosProvider(IReadOnlyList<(string File, JsonElement Root)> files, string talosVersion)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(talosVersion);
        var talos = talosVersion.TrimStart('v').Split('.');
        foreach (var (file, root) in files)
        {
            if (KubeObject.Element(root, "terraform", "required_providers", "talos") is { } provider && Text(provider, "version") is { } version)
            {
                var parts = version.TrimStart('=', ' ', 'v').Split('.');
                var built = parts.Length >= 2 && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var minor) ? $"1.{minor + 2}" : null;
                if (talos.Length < 2 || built != $"{talos[0]}.{talos[1]}")
                {
                    yield return new Finding(Severity.Error, file, "terraform.required_providers.talos", TalosProviderRule,
                        $"provider {version} is built on Talos {built ?? "(unknown)"}, but the cluster runs Talos {talosVersion}",
                        $"pin the provider whose machinery is Talos {string.Join('.', talos.Take(2))}");
                }
            }
        }
    }

    public static IEnumerable<Finding> Check(IReadOnlyList<(string File, JsonElement Root)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (file, root) in files)
        {
            if (KubeObject.Element(root, "terraform", "backend") is { } backend && KubeObject.Element(backend, "s3") is { } s3
                && (!KubeObject.Flag(s3, "encrypt") || Text(s3, "kms_key_id") is not { Length: > 0 }))
            {
                yield return new Finding(Severity.Error, file, "terraform.backend.s3", StateRule,
                    "the state (which holds secrets) is not encrypted with the platform's KMS key", "set encrypt: true and kms_key_id to the platform's key");
            }
        }
        var resources = files
            .SelectMany(f => Blocks(f.Root, "resource").SelectMany(type => Blocks(type.Value).Select(r => (f.File, Type: type.Name, r.Name, Body: r.Value))))
            .ToList();
        // The mesh reaches the APIs and nothing else: every rule names its ports, TCP only, and no group of every peer.
        foreach (var (file, _, name, policy) in resources.Where(r => r.Type == "netbird_policy"))
        {
            foreach (var rule in Items(policy, "rule"))
            {
                var ports = Items(rule, "ports").Select(p => p.ToString()).ToList();
                if (Text(rule, "protocol") != "tcp" || ports.Count == 0 || ports.Any(p => !MeshPorts.Contains(p)) || Items(rule, "port_ranges").Count > 0
                    || KubeObject.Flag(rule, "bidirectional"))
                {
                    yield return new Finding(Severity.Error, file, $"netbird_policy.{name}", MeshRule,
                        $"rule '{Text(rule, "name")}' opens more than the Kubernetes and Talos APIs (protocol {Text(rule, "protocol") ?? "-"}, ports {string.Join(",", ports)})",
                        "allow TCP 6443 and 50000 only, one way, from CI and the operators to the API load balancer");
                }
            }
        }
        foreach (var (file, type, name, _) in resources.Where(r => r.Type is "aws_iam_access_key" or "aws_iam_user"))
        {
            yield return new Finding(Severity.Error, file, $"{type}.{name}", PromiseRules.StaticKeysRule,
                "an IAM user or access key: a static key that leaks and never rotates",
                "give the workload a role it assumes (CI through GitHub's OIDC, the cluster's pods through the service-account issuer)");
        }
        foreach (var (file, _, name, firewall) in resources.Where(r => r.Type == "hcloud_firewall"))
        {
            foreach (var rule in Items(firewall, "rule"))
            {
                if (Text(rule, "direction") == "in" && Items(rule, "source_ips").Any(ip => ip.ValueKind == JsonValueKind.String && World.Contains(ip.GetString()))
                    && Text(rule, "protocol") is "tcp" or "udp" && Covers(Text(rule, "port")) is { } port)
                {
                    yield return new Finding(Severity.Error, file, $"hcloud_firewall.{name}", ExposureRule,
                        $"lets the internet in on {port}: the Kubernetes and Talos APIs are reached only through the mesh",
                        "drop the rule; operators and CI reach the APIs over NetBird, at the API load balancer's private address");
                }
            }
        }
        // A load balancer that serves an API port must keep its public interface off.
        var apiBalancers = resources.Where(r => r.Type == "hcloud_load_balancer_service" && ApiPorts.Contains(KubeObject.Number(r.Body, "listen_port") ?? -1))
            .Select(r => Reference(Text(r.Body, "load_balancer_id"))).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (file, _, name, network) in resources.Where(r => r.Type == "hcloud_load_balancer_network"))
        {
            if (Reference(Text(network, "load_balancer_id")) is { } balancer && apiBalancers.Contains(balancer)
                && KubeObject.Element(network, "enable_public_interface")?.ValueKind == JsonValueKind.False)
            {
                continue;
            }
            if (Reference(Text(network, "load_balancer_id")) is { } exposed && apiBalancers.Contains(exposed))
            {
                yield return new Finding(Severity.Error, file, $"hcloud_load_balancer_network.{name}", ExposureRule,
                    $"load balancer {exposed} serves the Kubernetes or Talos API with its public interface on",
                    "set enable_public_interface: false; the API is reached at the private address, through the mesh");
            }
        }
        var documents = files
            .SelectMany(f => Blocks(f.Root, "data").Where(t => t.Name == "aws_iam_policy_document").SelectMany(t => Blocks(t.Value)))
            .GroupBy(d => d.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        foreach (var finding in CiRoles(resources, documents))
        {
            yield return finding;
        }
        foreach (var (file, _, name, _) in resources.Where(r => r.Type == "aws_s3_bucket"))
        {
            var id = $"${{aws_s3_bucket.{name}.id}}";
            bool Has(string type, Func<JsonElement, bool> ok) => resources.Any(r => r.Type == type && Text(r.Body, "bucket") == id && ok(r.Body));
            // The issuer's bucket may serve its two discovery documents to anyone, and nothing else: its policy says so.
            var discovery = Has("aws_s3_bucket_policy", p => DiscoveryOnly(Text(p, "policy"), documents));
            var blocks = discovery ? PublicAclBlocks : PublicAccessBlocks;
            if (!Has("aws_s3_bucket_public_access_block", b => blocks.All(k => KubeObject.Flag(b, k))))
            {
                yield return new Finding(Severity.Error, file, $"aws_s3_bucket.{name}", BucketRule, "the bucket is not blocked from public access",
                    discovery ? "block public ACLs (block_public_acls, ignore_public_acls): only its policy may publish the discovery documents"
                        : "give it an aws_s3_bucket_public_access_block with all four settings true");
            }
            const string Default = "apply_server_side_encryption_by_default";
            if (!Has("aws_s3_bucket_server_side_encryption_configuration", b => Items(b, "rule")
                    .Any(r => (Text(r, Default, "sse_algorithm") == "aws:kms" && Text(r, Default, "kms_master_key_id") is { Length: > 0 })
                        || (discovery && Text(r, Default, "sse_algorithm") == "AES256"))))
            {
                yield return new Finding(Severity.Error, file, $"aws_s3_bucket.{name}", BucketRule, "the bucket is not encrypted with the platform's KMS key",
                    "give it an aws_s3_bucket_server_side_encryption_configuration with aws:kms and the platform's key");
            }
            if (!Has("aws_s3_bucket_versioning", b => Text(b, "versioning_configuration", "status") == "Enabled"))
            {
                yield return new Finding(Severity.Error, file, $"aws_s3_bucket.{name}", BucketRule, "the bucket is not versioned: an overwrite or a delete loses the state or the backup",
                    "give it an aws_s3_bucket_versioning with status Enabled");
            }
        }
    }

    private static readonly string[] ReadVerbs = ["Get", "List", "Describe"];
    private static readonly (string Component, string Arg)[] ControlPlaneMetrics = [("controllerManager", "bind-address"), ("scheduler", "bind-address"), ("etcd", "listen-metrics-urls")];
    private static readonly string[] PlanCrypto = ["kms:Decrypt", "kms:GenerateDataKey"];

    /// <summary>
    /// CI's roles: the plan role (pull requests, and the plan an apply is made from) changes nothing;
    /// the apply role can write every AWS service whose resources CI applies, and no role holds a
    /// wildcard action.
    /// </summary>
    private static IEnumerable<Finding> CiRoles(List<(string File, string Type, string Name, JsonElement Body)> resources, Dictionary<string, JsonElement> documents)
    {
        static List<string> Actions(JsonElement document) =>
            [.. Items(document, "statement").SelectMany(s => Items(s, "actions")).Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!)];
        static bool Reads(string action) => action.Split(':') is [_, var verb] && ReadVerbs.Any(v => verb.StartsWith(v, StringComparison.Ordinal));
        foreach (var (name, document) in documents.Where(d => d.Key is "github_plan_permissions" or "github_permissions"))
        {
            foreach (var wide in Actions(document).Where(a => a == "*" || a.EndsWith(":*", StringComparison.Ordinal)))
            {
                yield return new Finding(Severity.Error, "infra/terraform", $"data.aws_iam_policy_document.{name}", CiRolesRule,
                    $"grants {wide}: every action of the service, present and future", "name the actions Terraform needs for the resources it renders");
            }
        }
        if (documents.TryGetValue("github_plan_permissions", out var plan))
        {
            foreach (var write in Actions(plan).Where(a => !Reads(a) && !PlanCrypto.Contains(a) && a != "s3:GetObject"))
            {
                yield return new Finding(Severity.Error, "infra/terraform", "data.aws_iam_policy_document.github_plan_permissions", CiRolesRule,
                    $"the plan role may {write}: a pull request's workflow could change the infrastructure it only plans", "give the plan role reads only");
            }
        }
        if (documents.TryGetValue("github_permissions", out var apply))
        {
            var writes = Actions(apply).Where(a => !Reads(a)).Select(a => a.Split(':')[0]).ToHashSet(StringComparer.Ordinal);
            foreach (var (file, type, name, _) in resources.Where(r => r.Type.StartsWith("aws_", StringComparison.Ordinal) && Infra.BringUp.TerraformStage(r.Type, r.Name) > 1)
                         .DistinctBy(r => Infra.TerraformRenderer.AwsService(r.Type)))
            {
                if (!writes.Contains(Infra.TerraformRenderer.AwsService(type)))
                {
                    yield return new Finding(Severity.Error, file, $"{type}.{name}", CiRolesRule,
                        $"CI applies {type}, but its role may write nothing of {Infra.TerraformRenderer.AwsService(type)}: every apply that touches it fails",
                        "derive the apply role's rights from the rendered resources (helix render)");
                }
            }
        }
    }

    private static readonly string[] PublicAclBlocks = ["block_public_acls", "ignore_public_acls"];
    private static readonly string[] DiscoveryKeys = ["/" + Components.WorkloadIdentity.DiscoveryKey, "/" + Components.WorkloadIdentity.JwksKey];

    /// <summary>A bucket policy (a policy document by reference) that lets anyone read the issuer's discovery documents, and only that.</summary>
    private static bool DiscoveryOnly(string? policy, Dictionary<string, JsonElement> documents)
    {
        const string Prefix = "${data.aws_iam_policy_document.";
        if (policy is null || !policy.StartsWith(Prefix, StringComparison.Ordinal) || !policy.EndsWith(".json}", StringComparison.Ordinal)
            || !documents.TryGetValue(policy[Prefix.Length..^".json}".Length], out var document))
        {
            return false;
        }
        var statements = Items(document, "statement");
        return statements.Count > 0 && statements.All(s =>
            Items(s, "actions").All(a => a.ValueKind == JsonValueKind.String && a.GetString() == "s3:GetObject")
            && Items(s, "resources") is { Count: > 0 } targets
            && targets.All(r => r.ValueKind == JsonValueKind.String && DiscoveryKeys.Any(k => r.GetString()!.EndsWith(k, StringComparison.Ordinal))));
    }

    // The API port a firewall rule's port (a number, a range "a-b", "any", or none: every port) lets in.
    private static int? Covers(string? port)
    {
        if (port is null or "any")
        {
            return ApiPorts[0];
        }
        var bounds = port.Split('-');
        if (!int.TryParse(bounds[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var low))
        {
            return null;
        }
        var high = bounds.Length == 2 && int.TryParse(bounds[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var h) ? h : low;
        return ApiPorts.FirstOrDefault(p => p >= low && p <= high) is var hit and > 0 ? hit : null;
    }

    // "${hcloud_load_balancer.api.id}" -> "hcloud_load_balancer.api"
    private static string? Reference(string? expression) =>
        expression is ['$', '{', .. var inner, '}'] && inner.EndsWith(".id", StringComparison.Ordinal) ? inner[..^3] : null;

    private static List<JsonProperty> Blocks(JsonElement element, string? name = null)
    {
        var block = name is null ? element : element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var b) ? b : default;
        return block.ValueKind == JsonValueKind.Object ? [.. block.EnumerateObject()] : [];
    }

    private static List<JsonElement> Items(JsonElement? element, string name) =>
        [.. KubeObject.Items(element is { } e ? KubeObject.Element(e, name) : null)];

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var key in path)
        {
            if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0)
            {
                element = element[0]; // Terraform JSON may give a nested block as a one-item list
            }
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
            {
                return null;
            }
        }
        return element.ValueKind is JsonValueKind.String or JsonValueKind.Number ? element.ToString() : null;
    }
}
