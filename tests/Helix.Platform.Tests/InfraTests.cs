using System.Text.Json;
using Helix.Platform.Infra;
using Helix.Platform.Model;
using Helix.Platform.Rendering;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

public sealed class InfraTests
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;

    private static Dictionary<string, string> Infra(PlatformModel model) =>
        TerraformRenderer.Render(model).Concat(TalosPatches.Render(model)).ToDictionary(f => f.Path, f => f.Text);

    private static IReadOnlyList<Finding> Verify(Dictionary<string, string> files) =>
        InfraVerifier.Verify(files.Keys.Order(StringComparer.Ordinal).ToList(), p => files[p]);

    private static JsonElement Json(Dictionary<string, string> files, string name) => JsonDocument.Parse(files[$"infra/terraform/{name}.tf.json"]).RootElement;

    [Fact]
    public void TheReferenceInfra_RendersEveryConcern_AndVerifiesClean()
    {
        var files = Infra(Model);
        foreach (var name in new[] { "versions", "variables", "network", "servers", "load-balancers", "floating-ips", "dns", "netbird", "aws", "talos", "outputs" })
        {
            Assert.Contains($"infra/terraform/{name}.tf.json", files.Keys);
        }
        Assert.Equal(["infra/talos/compute.yaml", "infra/talos/db.yaml", "infra/talos/egress.yaml", "infra/talos/infra.yaml"],
            files.Keys.Where(k => k.StartsWith("infra/talos/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Empty(Verify(files));
    }

    [Fact]
    public void Providers_ArePinnedExactly_AndStateLocksNatively()
    {
        var versions = Json(Infra(Model), "versions").GetProperty("terraform");
        foreach (var provider in versions.GetProperty("required_providers").EnumerateObject())
        {
            Assert.Matches(@"^\d+\.\d+\.\d+$", provider.Value.GetProperty("version").GetString()!);
        }
        var backend = versions.GetProperty("backend").GetProperty("s3");
        Assert.True(backend.GetProperty("use_lockfile").GetBoolean());
        Assert.True(backend.GetProperty("encrypt").GetBoolean());
        Assert.Equal("helix-terraform-state", backend.GetProperty("bucket").GetString());
    }

    [Fact]
    public void TheApis_AreNeverOpenToTheInternet_AndTheLoadBalancerServesHttpsOnly()
    {
        var files = Infra(Model);
        var rules = Json(files, "network").GetProperty("resource").GetProperty("hcloud_firewall").GetProperty("nodes").GetProperty("rule");
        Assert.All(rules.EnumerateArray(), r => Assert.Equal("icmp", r.GetProperty("protocol").GetString()));
        var lb = Json(files, "load-balancers").GetProperty("resource");
        Assert.False(lb.GetProperty("hcloud_load_balancer_network").GetProperty("api").GetProperty("enable_public_interface").GetBoolean());
        var https = lb.GetProperty("hcloud_load_balancer_service").GetProperty("https");
        Assert.Equal(443, https.GetProperty("listen_port").GetInt32());
        Assert.True(https.GetProperty("proxyprotocol").GetBoolean());
        Assert.DoesNotContain(lb.GetProperty("hcloud_load_balancer_service").EnumerateObject(), s => s.Value.GetProperty("listen_port").GetInt32() == 80);
    }

    [Fact]
    public void TheGitHubRole_TrustsOnlyThisRepositorysProductionEnvironment()
    {
        var assume = Json(Infra(Model), "aws").GetProperty("data").GetProperty("aws_iam_policy_document").GetProperty("github_assume").GetProperty("statement")[0];
        var conditions = assume.GetProperty("condition").EnumerateArray().ToDictionary(c => c.GetProperty("variable").GetString()!, c => c.GetProperty("values")[0].GetString());
        Assert.Equal("repo:helix-platform/platform:environment:production", conditions["token.actions.githubusercontent.com:sub"]);
        Assert.Equal("sts.amazonaws.com", conditions["token.actions.githubusercontent.com:aud"]);
        // Every bucket but the issuer's (whose policy publishes the two discovery documents) refuses public policies.
        var buckets = Json(Infra(Model), "aws").GetProperty("resource").GetProperty("aws_s3_bucket_public_access_block");
        Assert.Equal(["oidc"], buckets.EnumerateObject().Where(b => !b.Value.GetProperty("restrict_public_buckets").GetBoolean()).Select(b => b.Name));
        Assert.All(buckets.EnumerateObject(), b => Assert.True(b.Value.GetProperty("block_public_acls").GetBoolean()));
    }

    [Fact]
    public void TalosPatches_DropCniAndKubeProxy_KeepKubePrism_AndNeverForwardKubeDnsToTheHost()
    {
        var db = Infra(Model)["infra/talos/db.yaml"];
        Assert.Contains("cni:\n      name: none", db, StringComparison.Ordinal);
        Assert.Contains("proxy:\n    disabled: true", db, StringComparison.Ordinal);
        Assert.Contains("forwardKubeDNSToHost: false", db, StringComparison.Ordinal);
        Assert.Contains("kubePrism:\n      enabled: true\n      port: 7445", db, StringComparison.Ordinal);
        Assert.Contains("helix.io/node-role: db:NoSchedule", db, StringComparison.Ordinal);
        Assert.Contains("destination: /var/lib/longhorn", db, StringComparison.Ordinal);
        Assert.Contains("allowSchedulingOnControlPlanes: true", Infra(Model)["infra/talos/infra.yaml"], StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "single-owner")]
    [Trait("breaks", "terraform-json")]
    public void WhatTheModelGivesTerraform_MustBeInTerraform()
    {
        var files = Infra(Model);
        Assert.Empty(InfraVerifier.Verify(files.Keys.ToList(), p => files[p], Model));
        files.Remove("infra/terraform/floating-ips.tf.json");
        var findings = InfraVerifier.Verify(files.Keys.ToList(), p => files[p], Model);
        Assert.Contains(findings, f => f.Rule == InfraVerifier.OwnerRule && f.Message == "Terraform owns nat-floating-ips, but no hcloud_floating_ip is declared in infra/terraform");
        Assert.Contains(findings, f => f.Rule == InfraVerifier.TerraformRule && f.Message == "'hcloud_floating_ip.nat' is referenced but declared nowhere");
    }

    [Fact]
    [Trait("breaks", "talos-schema")]
    public void ATalosPatchWithAnUnknownField_FailsTheSchema()
    {
        var files = Infra(Model);
        files["infra/talos/db.yaml"] = files["infra/talos/db.yaml"].Replace("  nodeLabels:", "  nodeLabel:", StringComparison.Ordinal);
        var finding = Assert.Single(Verify(files));
        Assert.Equal(InfraVerifier.TalosRule, finding.Rule);
        Assert.Equal("infra/talos/db.yaml", finding.File);
    }

    [Fact]
    [Trait("breaks", "no-secret-literal")]
    public void TerraformChecks_CatchUndeclaredReferences_SecretLiterals_KubernetesObjects_AndUnknownBlocks()
    {
        var files = Infra(Model);
        files["infra/terraform/dns.tf.json"] = files["infra/terraform/dns.tf.json"].Replace("${hcloud_load_balancer.ingress.ipv4}", "${hcloud_load_balancer.public.ipv4}", StringComparison.Ordinal);
        files["infra/terraform/versions.tf.json"] = files["infra/terraform/versions.tf.json"].Replace("${var.hcloud_token}", "hc-4f9a2b", StringComparison.Ordinal);
        files["infra/terraform/extra.tf.json"] = """
            {
              "resource": { "kubernetes_namespace": { "apps": { "metadata": { "name": "apps" } } } },
              "variable": { "db_password": { "type": "string" } },
              "resources": {}
            }
            """;
        var findings = Verify(files);
        Assert.Contains(findings, f => f.Rule == InfraVerifier.TerraformRule && f.Message == "'hcloud_load_balancer.public' is referenced but declared nowhere");
        Assert.Contains(findings, f => f.Rule == InfraVerifier.SecretRule && f.File == "infra/terraform/versions.tf.json" && f.Resource == "provider.hcloud.token");
        Assert.DoesNotContain(findings, f => f.ToString().Contains("hc-4f9a2b", StringComparison.Ordinal)); // the secret is never echoed
        Assert.Contains(findings, f => f.Rule == InfraVerifier.OwnerRule && f.Resource == "kubernetes_namespace.apps");
        Assert.Contains(findings, f => f.Rule == InfraVerifier.SecretRule && f.Resource == "var.db_password");
        Assert.Contains(findings, f => f.Rule == InfraVerifier.TerraformRule && f.Message.StartsWith("'resources' is not a Terraform block type", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "infra-exposure")]
    public void TheApis_OpenedToTheInternet_AreCaught_ByTheFirewallOrTheLoadBalancer()
    {
        Assert.DoesNotContain(Verify(Infra(Model)), f => f.Rule is InfraHardening.ExposureRule or InfraHardening.BucketRule);

        var files = Infra(Model);
        files["infra/terraform/network.tf.json"] = files["infra/terraform/network.tf.json"].Replace(
            "\"protocol\": \"icmp\"", "\"protocol\": \"tcp\", \"port\": \"50000-50001\"", StringComparison.Ordinal);
        files["infra/terraform/load-balancers.tf.json"] = files["infra/terraform/load-balancers.tf.json"].Replace(
            "\"enable_public_interface\": false", "\"enable_public_interface\": true", StringComparison.Ordinal);
        var findings = Verify(files).Where(f => f.Rule == InfraHardening.ExposureRule).ToList();

        Assert.Contains(findings, f => f.Resource == "hcloud_firewall.nodes" && f.Message.StartsWith("lets the internet in on 50000", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Resource == "hcloud_load_balancer_network.api" && f.Message.Contains("public interface on", StringComparison.Ordinal));
        Assert.Equal(2, findings.Count);
    }

    [Fact]
    [Trait("breaks", "infra-bucket")]
    public void ABucketLeftPublic_Unencrypted_OrUnversioned_IsCaught()
    {
        var files = Infra(Model);
        files["infra/terraform/aws.tf.json"] = files["infra/terraform/aws.tf.json"]
            .Replace("\"restrict_public_buckets\": true", "\"restrict_public_buckets\": false", StringComparison.Ordinal)
            .Replace("\"status\": \"Enabled\"", "\"status\": \"Suspended\"", StringComparison.Ordinal);
        var findings = Verify(files).Where(f => f.Rule == InfraHardening.BucketRule).ToList();

        // The state and backup buckets for both gaps; the issuer's bucket, public by its narrow policy, for its versioning.
        Assert.Equal(5, findings.Count);
        Assert.Contains(findings, f => f.Resource == "aws_s3_bucket.state" && f.Message == "the bucket is not blocked from public access");
        Assert.Contains(findings, f => f.Resource == "aws_s3_bucket.postgres_backups" && f.Message.StartsWith("the bucket is not versioned", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "infra-state")]
    public void TheStateLeftOnS3sOwnKey_IsCaught()
    {
        var files = Infra(Model);
        Assert.Contains($"\"kms_key_id\": \"arn:aws:kms:{Model.Spec.Infra.Aws.Region}:{Model.Spec.Infra.Aws.AccountId}:alias/helix-sops\"",
            files["infra/terraform/versions.tf.json"], StringComparison.Ordinal);
        files["infra/terraform/versions.tf.json"] = string.Join('\n', files["infra/terraform/versions.tf.json"].Split('\n').Where(l => !l.Contains("kms_key_id", StringComparison.Ordinal)));

        var finding = Assert.Single(Verify(files), f => f.Rule == InfraHardening.StateRule);
        Assert.Equal("terraform.backend.s3", finding.Resource);
    }

    [Fact]
    [Trait("breaks", "talos-private-network")]
    public void ANodeFreeToAdvertiseItsPublicAddress_IsCaught_AndEtcdOnTheControlPlane()
    {
        var files = Infra(Model);
        Assert.DoesNotContain(Verify(files), f => f.Rule == InfraHardening.TalosNetworkRule);
        files["infra/talos/db.yaml"] = files["infra/talos/db.yaml"].Replace("    nodeIP:\n      validSubnets:\n        - 10.0.0.0/16\n", "", StringComparison.Ordinal);
        files["infra/talos/infra.yaml"] = files["infra/talos/infra.yaml"].Replace("    advertisedSubnets:\n      - 10.0.0.0/16\n", "", StringComparison.Ordinal);

        // Which pool is the control plane is the model's to say.
        var findings = InfraVerifier.Verify(files.Keys.Order(StringComparer.Ordinal).ToList(), p => files[p], Model).Where(f => f.Rule == InfraHardening.TalosNetworkRule).ToList();
        Assert.Equal(["infra/talos/db.yaml: machine.kubelet.nodeIP", "infra/talos/infra.yaml: cluster.etcd"],
            findings.Select(f => $"{f.File}: {f.Resource}").Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("breaks", "talos-kube-proxy")]
    public void KubeProxyReEnabled_OrTalosOwnCni_IsCaught()
    {
        var files = Infra(Model);
        Assert.DoesNotContain(Verify(files), f => f.Rule == InfraHardening.KubeProxyRule);
        files["infra/talos/compute.yaml"] = files["infra/talos/compute.yaml"]
            .Replace("  proxy:\n    disabled: true\n", "  proxy:\n    disabled: false\n", StringComparison.Ordinal)
            .Replace("    cni:\n      name: none\n", "    cni:\n      name: flannel\n", StringComparison.Ordinal);

        Assert.Equal(["cluster.network.cni", "cluster.proxy"],
            Verify(files).Where(f => f.Rule == InfraHardening.KubeProxyRule && f.File == "infra/talos/compute.yaml").Select(f => f.Resource).Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("breaks", "mesh-policy")]
    public void AMeshPolicyOpenedBeyondTheApis_IsCaught()
    {
        var files = Infra(Model);
        var policy = Json(files, "netbird").GetProperty("resource").GetProperty("netbird_policy").GetProperty("apis").GetProperty("rule")[0];
        Assert.Equal(["6443", "50000"], policy.GetProperty("ports").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["${netbird_group.ci.id}", "${netbird_group.operators.id}"], policy.GetProperty("sources").EnumerateArray().Select(p => p.GetString()));
        Assert.DoesNotContain(Verify(files), f => f.Rule == InfraHardening.MeshRule);

        files["infra/terraform/netbird.tf.json"] = files["infra/terraform/netbird.tf.json"].Replace("\"protocol\": \"tcp\"", "\"protocol\": \"all\"", StringComparison.Ordinal);
        var finding = Assert.Single(Verify(files), f => f.Rule == InfraHardening.MeshRule);
        Assert.Equal("netbird_policy.apis", finding.Resource);
    }

    [Fact]
    [Trait("breaks", "ci-roles")]
    public void CisRoles_PlanReadOnly_ApplyWhatTerraformRenders_NoWildcards()
    {
        var files = Infra(Model);
        Assert.DoesNotContain(Verify(files), f => f.Rule == InfraHardening.CiRolesRule);
        var aws = System.Text.Json.Nodes.JsonNode.Parse(files["infra/terraform/aws.tf.json"])!;
        var documents = aws["data"]!["aws_iam_policy_document"]!;
        var applied = documents["github_permissions"]!["statement"]!.AsArray();
        // The apply role names each workload role it manages, by ARN.
        Assert.Contains(applied, s => (string)s!["sid"]! == "WorkloadRoles"
            && s["resources"]!.AsArray().Any(r => (string)r! == "arn:aws:iam::123456789012:role/helix-postgres-postgres"));

        documents["github_plan_permissions"]!["statement"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject
        {
            ["actions"] = new System.Text.Json.Nodes.JsonArray("s3:PutObject"), ["resources"] = new System.Text.Json.Nodes.JsonArray("*"),
        });
        foreach (var iam in applied.Where(s => (string)s!["sid"]! is "WorkloadRoles" or "Issuer").ToList())
        {
            applied.Remove(iam);
        }
        applied.Add(new System.Text.Json.Nodes.JsonObject { ["actions"] = new System.Text.Json.Nodes.JsonArray("route53:*"), ["resources"] = new System.Text.Json.Nodes.JsonArray("*") });
        files["infra/terraform/aws.tf.json"] = aws.ToJsonString();

        var findings = Verify(files).Where(f => f.Rule == InfraHardening.CiRolesRule).Select(f => f.Message).ToList();
        Assert.Contains(findings, m => m.StartsWith("the plan role may s3:PutObject", StringComparison.Ordinal));
        Assert.Contains(findings, m => m.StartsWith("grants route53:*", StringComparison.Ordinal));
        Assert.Contains(findings, m => m.StartsWith("CI applies aws_iam_", StringComparison.Ordinal) && m.Contains("may write nothing of iam", StringComparison.Ordinal));
        Assert.Equal(3, findings.Count);
    }

    [Fact]
    [Trait("breaks", "talos-metrics")]
    public void ControlPlaneMetricsLeftOnLoopback_AreCaught()
    {
        static IReadOnlyList<Finding> Check(Dictionary<string, string> files) =>
            [.. InfraVerifier.Verify(files.Keys.Order(StringComparer.Ordinal).ToList(), p => files[p], Model).Where(f => f.Rule == InfraHardening.MetricsRule)];
        var files = Infra(Model);
        Assert.Empty(Check(files));
        files["infra/talos/infra.yaml"] = files["infra/talos/infra.yaml"]
            .Replace("      listen-metrics-urls: http://0.0.0.0:2381\n", "      listen-metrics-urls: http://127.0.0.1:2381\n", StringComparison.Ordinal)
            .Replace("  scheduler:\n    extraArgs:\n      bind-address: 0.0.0.0\n", "", StringComparison.Ordinal);

        Assert.Equal(["cluster.etcd.extraArgs", "cluster.scheduler.extraArgs"], Check(files).Select(f => f.Resource).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EachTerraformStage_NeedsOnlyWhatEarlierStagesMade()
    {
        // -target applies a target's dependencies too: a reference to a later stage would apply it early, out of order.
        var terraform = TerraformRenderer.Render(Model);
        var rendered = Docs.RenderedTerraform.Resources(Model).ToList();
        var stages = Enumerable.Range(1, 4).ToDictionary(s => s, s => BringUp.Targets(rendered, s));
        Assert.All(stages.Values.Take(3), targets => Assert.NotEmpty(targets));
        Assert.All(stages[3], t => Assert.StartsWith("netbird_", t, StringComparison.Ordinal));
        Assert.Contains("aws_kms_key.platform", stages[1]);
        Assert.Contains("hcloud_server.netbird", stages[2]);
        var stageOf = stages.SelectMany(s => s.Value.Select(t => (Target: t, Stage: s.Key))).ToDictionary(t => t.Target, t => t.Stage, StringComparer.Ordinal);
        // A data source a resource reads is applied with it: its references count as the resource's.
        var data = terraform.Select(f => System.Text.Json.Nodes.JsonNode.Parse(f.Text)?["data"]).OfType<System.Text.Json.Nodes.JsonObject>()
            .SelectMany(d => d.SelectMany(t => t.Value!.AsObject().Select(i => (Address: $"data.{t.Key}.{i.Key}", Text: i.Value!.ToJsonString()))))
            .ToDictionary(d => d.Address, d => d.Text, StringComparer.Ordinal);
        foreach (var (path, text) in terraform)
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(text)?["resource"] is not System.Text.Json.Nodes.JsonObject resources)
            {
                continue;
            }
            foreach (var (type, instances) in resources)
            {
                foreach (var (name, body) in instances!.AsObject())
                {
                    var stage = BringUp.TerraformStage(type, name);
                    var json = body!.ToJsonString();
                    json += string.Concat(data.Where(d => json.Contains(d.Key + ".", StringComparison.Ordinal)).Select(d => d.Value));
                    foreach (var (target, other) in stageOf.Where(t => t.Value > stage))
                    {
                        Assert.False(json.Contains(target + ".", StringComparison.Ordinal) || json.Contains($"\"{target}\"", StringComparison.Ordinal),
                            $"{path}: {type}.{name} (stage {stage}) refers to {target} (stage {other})");
                    }
                }
            }
        }
        var runbook = BringUp.Render(Model);
        Assert.True(runbook.IndexOf("-target=aws_kms_key.platform", StringComparison.Ordinal) < runbook.IndexOf("-target=hcloud_server.netbird", StringComparison.Ordinal));
        Assert.True(runbook.IndexOf("-target=netbird_policy.apis", StringComparison.Ordinal) < runbook.IndexOf("terraform apply\n", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "talos-provider")]
    public void ATalosProviderOlderThanTheClustersTalos_IsCaught()
    {
        static IReadOnlyList<Finding> Check(Dictionary<string, string> files) =>
            [.. InfraVerifier.Verify(files.Keys.Order(StringComparer.Ordinal).ToList(), p => files[p], Model).Where(f => f.Rule == InfraHardening.TalosProviderRule)];
        var files = Infra(Model);
        Assert.Empty(Check(files));

        files["infra/terraform/versions.tf.json"] = files["infra/terraform/versions.tf.json"].Replace("\"0.11.0\"", "\"0.8.1\"", StringComparison.Ordinal);
        var finding = Assert.Single(Check(files));
        Assert.Equal($"provider 0.8.1 is built on Talos 1.10, but the cluster runs Talos {Model.Spec.Cluster.TalosVersion}", finding.Message);
    }

    [Fact]
    public void ANodePoolChange_FlowsIntoTerraformTalosAndScheduling_Consistently()
    {
        var spec = Model.Spec with
        {
            NodePools = [.. Model.Spec.NodePools.Select(p => p.Role == NodeRole.Db ? p with { Name = "pg", Count = 5, ServerType = "ccx33", Labels = new() { ["disk"] = "nvme" } } : p)],
        };
        var model = PlatformCompiler.Model(spec);
        var files = Infra(model);
        var server = Json(files, "servers").GetProperty("resource").GetProperty("hcloud_server").GetProperty("pg");
        Assert.Equal(5, server.GetProperty("count").GetInt32());
        Assert.Equal("ccx33", server.GetProperty("server_type").GetString());
        Assert.Equal("${data.talos_machine_configuration.pg.machine_configuration}", server.GetProperty("user_data").GetString());
        var patch = files["infra/talos/pg.yaml"];
        Assert.Contains("disk: nvme", patch, StringComparison.Ordinal);
        Assert.Empty(Verify(files));

        // Every nodeSelector and toleration in the GitOps tree lands on a pool whose Talos labels and taints fit.
        var pools = spec.NodePools.Select(p => (Labels: TalosPatches.Labels(p), Taints: TalosPatches.Taints(p))).ToList();
        var tree = GitOpsRenderer.Render(model);
        var selectors = 0;
        foreach (var path in tree.Paths.Where(p => p.EndsWith(".yaml", StringComparison.Ordinal) && p.StartsWith("gitops/", StringComparison.Ordinal)))
        {
            foreach (var document in tree.Text(path).Split("---\n"))
            {
                var selector = Block(document, "nodeSelector:");
                if (selector.Count == 0)
                {
                    continue;
                }
                selectors++;
                var tolerated = document.Contains("key: helix.io/node-role", StringComparison.Ordinal);
                Assert.Contains(pools, pool => selector.All(s => pool.Labels.TryGetValue(s.Key, out var v) && v == s.Value) && (pool.Taints.Count == 0 || tolerated));
            }
        }
        Assert.True(selectors >= 5, $"only {selectors} workloads select nodes");
    }

    /// <summary>The key: value lines of the first block that follows a line ending in <paramref name="key"/>.</summary>
    private static Dictionary<string, string> Block(string yaml, string key)
    {
        var lines = yaml.Split('\n');
        var at = Array.FindIndex(lines, l => l.TrimEnd().EndsWith(key, StringComparison.Ordinal));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < 0)
        {
            return result;
        }
        var indent = lines[at].Length - lines[at].TrimStart().Length;
        for (var i = at + 1; i < lines.Length && lines[i].Length - lines[i].TrimStart().Length > indent && lines[i].Contains(": ", StringComparison.Ordinal); i++)
        {
            var parts = lines[i].Trim().Split(": ", 2);
            result[parts[0]] = parts[1];
        }
        return result;
    }
}
