using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Rendering;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

/// <summary>
/// The reachability engine against the rendered policies of the reference platform with a second
/// tenant: clean as rendered, and each class of leak introduced by a hand edit is caught.
/// </summary>
public sealed class ReachabilityTests
{
    private static readonly PlatformModel Model = PlatformCompiler.Model(SpecLoader.Load(ReferenceSpec.Path).Spec! is var spec
        ? spec with { Tenants = [.. spec.Tenants, new TenantSpec { Name = "globex", Team = "globex-dev", Flows = [new FlowSpec { To = "redis", Port = 6379 }] }] }
        : throw new InvalidOperationException());

    private const string Acme = "gitops/tenants/acme/base/network-policies.yaml";
    private const string Globex = "gitops/tenants/globex/base/network-policies.yaml";
    private const string Postgres = "gitops/platform/network-policies/base/postgres.yaml";

    private static List<Finding> Verify(params (string Path, Func<string, string> Edit)[] edits)
    {
        var files = GitOpsRenderer.Render(Model);
        var texts = files.Paths.Where(p => p.StartsWith("gitops/", StringComparison.Ordinal) && !TreeVerifier.IsTestSuite(p)).ToDictionary(p => p, files.Text);
        foreach (var (path, edit) in edits)
        {
            var before = texts[path];
            texts[path] = edit(before);
            Assert.NotEqual(before, texts[path]); // the edit must have hit something
        }
        var paths = texts.Keys.Where(p => texts[p].Length > 0).Order(StringComparer.Ordinal).ToList();
        return [.. TreeVerifier.Verify(paths, p => new StringReader(texts[p]), Model)];
    }

    private static string Replace(string text, string find, string replace)
    {
        Assert.Contains(find, text, StringComparison.Ordinal);
        return text.Replace(find, replace, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRenderedPolicies_AllowExactlyTheModelsFlows()
    {
        Assert.Empty(Verify());
        var report = Reachability.Analyse(TreeVerifier.Analyse(GitOpsRenderer.Render(Model), null).Objects, Model);
        var acme = report.Workloads.Single(w => w.Name == "acme");
        var pooler = report.Workloads.Single(w => w.Name == "postgres-pooler");
        var postgres = report.Workloads.Single(w => w.Name == "postgres");
        Assert.Equal("5432", report.Connections.Single(c => c.From == acme && c.To == pooler).Allowed.ToString());
        Assert.DoesNotContain(report.Connections, c => c.From == acme && c.To == postgres); // denied: only through the pooler
        Assert.Contains(report.World, w => w.Workload.Name == "steel" && w.Gateway == "egress-steel (203.0.113.10)");
        Assert.Contains(report.World, w => w.Workload.Name == "cert-manager" && w.Gateway is null && w.Hosts.Contains("acme-v02.api.letsencrypt.org"));
    }

    [Fact]
    [Trait("breaks", "default-deny")]
    public void ATenantWithoutItsPolicies_HasNoDefaultDeny()
    {
        var findings = Verify((Acme, _ => ""));
        Assert.Contains(findings, f => f.Rule == Reachability.DefaultDenyRule && f.Message.StartsWith("acme (app zone) has no default deny for ingress", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Rule == Reachability.DefaultDenyRule && f.Message.StartsWith("acme (app zone) has no default deny for egress", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "reachability")]
    public void AnOverBroadSelector_LetsATenantPastThePoolerToTheDatabase()
    {
        var findings = Verify(
            (Acme, t => Replace(t, "            k8s:io.kubernetes.pod.namespace: postgres\n            cnpg.io/poolerName: postgres-pooler\n",
                "            k8s:io.kubernetes.pod.namespace: postgres\n")),
            (Postgres, t => Replace(t, "  endpointSelector:\n    matchLabels:\n      cnpg.io/poolerName: postgres-pooler\n", "  endpointSelector: {}\n")));
        // The pooler's policy now admits the namespace's every pod: the database itself and the session pooler behind no policy of the tenant's.
        var leaks = findings.Where(f => f.Rule == Reachability.Rule).OrderBy(f => f.Message, StringComparer.Ordinal).ToList();
        Assert.Equal(2, leaks.Count);
        var leak = leaks[0];
        Assert.Equal("db zone reachable from app tenant acme on 5432: postgres in postgres via policy CiliumNetworkPolicy/acme/acme and policy CiliumNetworkPolicy/postgres/postgres-pooler",
            leak.Message);
        Assert.StartsWith("db zone reachable from app tenant acme on 5432: postgres-pooler-session in postgres via", leaks[1].Message, StringComparison.Ordinal);
        Assert.Equal(Postgres, leak.File);
    }

    [Fact]
    public void ADatabasePortNotIntended_IsReported_WithThePortsThatLeak()
    {
        var findings = Verify(
            (Acme, t => Replace(t, "            cnpg.io/poolerName: postgres-pooler\n      toPorts:\n        - ports:\n            - port: \"5432\"\n              protocol: TCP\n",
                "            cnpg.io/poolerName: postgres-pooler\n")),
            (Postgres, t => Replace(t, "            k8s:io.kubernetes.pod.namespace: acme\n      toPorts:\n        - ports:\n            - port: \"5432\"\n              protocol: TCP\n",
                "            k8s:io.kubernetes.pod.namespace: acme\n")));
        var leak = Assert.Single(findings, f => f.Rule == Reachability.Rule);
        Assert.StartsWith("db zone reachable from app tenant acme on 1-5431,5433-65535: postgres-pooler", leak.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "egress-gateway")]
    [Trait("breaks", "peer-access")]
    public void AnAllowToTheWorld_IsReported()
    {
        var receiver = "gitops/platform/network-policies/base/helix-webhooks.yaml";
        var findings = Verify((receiver, t => t.TrimEnd('\n') + "\n    - toEntities:\n        - world\n"));
        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Rule == Reachability.PeerRule && f.Message == "webhook-receiver (app zone) reaches world on any port, which the model does not intend");
        Assert.Contains(findings, f => f.Rule == Reachability.EgressRule && f.Message == "webhook-receiver (app zone) reaches the world on any port without an egress gateway");
    }

    [Fact]
    public void ATenantReachingAnotherTenant_IsReported()
    {
        const string OwnNamespace = "    - fromEndpoints:\n        - matchLabels:\n            k8s:io.kubernetes.pod.namespace: acme\n";
        const string AppZone = "    - fromEndpoints:\n        - matchLabels:\n            io.cilium.k8s.namespace.labels.helix.io/zone: app\n";
        var findings = Verify(
            (Acme, t => Replace(t, OwnNamespace, AppZone)),
            (Globex, t => Replace(t, "    - toEndpoints:\n        - matchLabels:\n            k8s:io.kubernetes.pod.namespace: globex\n",
                "    - toEndpoints:\n        - matchLabels:\n            io.cilium.k8s.namespace.labels.helix.io/zone: app\n")));
        Assert.Contains(findings, f => f.Rule == Reachability.Rule && f.Message.StartsWith("app zone reachable from app tenant globex on any port: acme in acme", StringComparison.Ordinal));
    }

    [Fact]
    public void PrometheusReachesEachTenantsMetricsPort_AndNoOther_BothWays()
    {
        var report = Reachability.Analyse(TreeVerifier.Analyse(GitOpsRenderer.Render(Model), null).Objects, Model);
        // The monitoring namespace's pods are one workload to the policies (they select it whole).
        var monitoring = report.Workloads.Where(w => w.Namespace == Observability.Namespace).ToList();
        foreach (var tenant in Model.Spec.Tenants)
        {
            var workload = report.Workloads.Single(w => w.Name == tenant.Name);
            var scrape = Assert.Single(report.Connections, c => monitoring.Contains(c.From) && c.To == workload);
            Assert.Equal($"{tenant.MetricsPort}", scrape.Allowed.ToString());
        }
        // The scrape itself: pods that opt in by label, on their port named metrics.
        var monitor = TreeVerifier.Analyse(GitOpsRenderer.Render(Model), null).Objects.Single(o => o.File.EndsWith("tenants/acme/base/pod-monitor.yaml", StringComparison.Ordinal)).Object;
        Assert.Equal("true", monitor.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels").GetProperty("helix.io/metrics").GetString());
        Assert.Equal("metrics", monitor.GetProperty("spec").GetProperty("podMetricsEndpoints")[0].GetProperty("port").GetString());
    }

    [Fact]
    public void ATenantsPolicyThatShutsOutPrometheus_IsReported()
    {
        var findings = Verify((Acme, t => t.Replace("k8s:io.kubernetes.pod.namespace: monitoring", "k8s:io.kubernetes.pod.namespace: nobody", StringComparison.Ordinal)));
        Assert.Contains(findings, f => f.Rule == Reachability.Rule && f.Message.Contains("-> acme on 9090 is blocked (egress of monitoring", StringComparison.Ordinal)
            && f.Message.Contains("ingress of acme allows none", StringComparison.Ordinal));
    }

    [Fact]
    public void AnIntendedFlowThatIsBlocked_IsReported_AndADenyBeatsAnAllow()
    {
        const string Rule = "    - fromEndpoints:\n        - matchLabels:\n            k8s:io.kubernetes.pod.namespace: acme\n"
            + "      toPorts:\n        - ports:\n            - port: \"5432\"\n              protocol: TCP\n";
        // Into the pooler's policy, the document before the session pooler's.
        var denied = Verify((Postgres, t => t.Insert(t.LastIndexOf("---\n", t.IndexOf("  name: postgres-pooler-session\n", StringComparison.Ordinal), StringComparison.Ordinal),
            "  ingressDeny:\n" + Rule)));
        var finding = Assert.Single(denied);
        Assert.Equal("intended flow acme -> postgres-pooler on 5432 is blocked (egress of acme allows 5432, ingress of postgres-pooler allows none)", finding.Message);

        var removed = Verify((Postgres, t => Replace(t, Rule, "")));
        Assert.Equal(finding.Message, Assert.Single(removed).Message);
    }

    [Fact]
    public void ADayOneHostTheDefaultDenyBlocks_IsReported_ByTheComponentThatNeedsIt()
    {
        // Bring-up class 7: Argo CD decrypts with KMS on its first sync; without the host in its policy, default deny drops it.
        var kms = $"kms.{Model.Spec.Infra.Aws.Region}.amazonaws.com";
        var findings = Verify(("gitops/platform/network-policies/base/argocd.yaml", t => Replace(t, $"        - matchName: {kms}\n", "")));

        Assert.Contains(findings, f => f.Rule == Reachability.PeerRule && f.Message == $"argocd (platform zone) needs {kms} but no toFQDNs rule allows it");
    }

    [Fact]
    public void AnEgressAppWithoutItsGateway_IsReported()
    {
        var findings = Verify(("gitops/platform/network-policies/base/egress-gateways.yaml", t => Replace(t, "app.kubernetes.io/name: steel", "app.kubernetes.io/name: steel-old")));
        Assert.Equal("steel (app zone) reaches the world on 80,443 without an egress gateway", Assert.Single(findings).Message);
    }

    [Fact]
    public void AnImageNeitherSignedNorPinned_AndOneFromAnotherRegistry_AreReported()
    {
        const string Steel = "gitops/platform/steel/base/deployment.yaml";
        var findings = Verify((Steel, t => Replace(t, "image: ghcr.io/helix-platform/steel-browser:0.1.0", "image: docker.io/steeldev/steel-browser:latest")));
        Assert.Equal([PromiseRules.ImagePinRule, SupplyChain.RegistryRule, SupplyChain.SignatureRule], findings.Select(f => f.Rule).Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.Equal("Deployment/steel/steel", f.Resource));

        // Pinned by digest, an image outside the verified patterns passes the signature rule (the registry rule still applies).
        var pinned = Verify((Steel, t => Replace(t, "image: ghcr.io/helix-platform/steel-browser:0.1.0", "image: docker.io/steeldev/steel-browser@sha256:" + new string('a', 64))));
        Assert.Equal(SupplyChain.RegistryRule, Assert.Single(pinned).Rule);
    }

    [Fact]
    public void ANamespaceLeftOutOfImageVerification_IsReported()
    {
        var findings = Verify(("gitops/platform/policies/base/verify-images.yaml", t => Replace(t, "                - steel\n", "")));
        Assert.Contains(findings, f => f.Rule == SupplyChain.SignatureRule && f.Message == "no verifyImages rule covers namespace steel (app zone)");
        Assert.Contains(findings, f => f.Rule == SupplyChain.SignatureRule && f.Resource == "Deployment/steel/steel");
    }

    [Fact]
    public void TheKyvernoSuite_IsRenderedNextToThePolicies_WithPassingAndFailingPods()
    {
        var files = GitOpsRenderer.Render(Model);
        var test = files.Text("gitops/platform/policies/tests/kyverno-test.yaml");
        Assert.Contains("  - ../base/restrict-registries.yaml", test, StringComparison.Ordinal);
        Assert.Contains("result: fail", test, StringComparison.Ordinal);
        var resources = files.Text("gitops/platform/policies/tests/resources.yaml");
        Assert.Contains("image: docker.io/library/nginx:1.27", resources, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot: false", resources, StringComparison.Ordinal);
        Assert.Contains("failureAction: Audit", files.Text("gitops/platform/policies/base/verify-images.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void PortSets_CutAndJoinRanges()
    {
        Assert.Equal("1-5431,5433-65535", PortSet.Any.Except(PortSet.Of(5432)).ToString());
        Assert.Equal("80,443", PortSet.Of(443, 80, 443).ToString());
        Assert.Equal("8082-8084", PortSet.Of(8082, 8084, 8083).ToString());
        Assert.True(PortSet.Range(1, 100).Intersect(PortSet.Of(101)).IsEmpty);
    }

    [Fact]
    public void Selectors_FollowKubernetesExpressions()
    {
        var labels = new Dictionary<string, string> { ["tier"] = "db", ["app"] = "pg" };
        Assert.True(new LabelSelector(new Dictionary<string, string>(), [("tier", "In", ["db", "cache"]), ("app", "NotIn", ["redis"]), ("role", "DoesNotExist", [])]).Matches(labels));
        Assert.False(new LabelSelector(new Dictionary<string, string>(), [("role", "Exists", [])]).Matches(labels));
        Assert.False(new LabelSelector(new Dictionary<string, string> { ["tier"] = "web" }, []).Matches(labels));
    }
}
