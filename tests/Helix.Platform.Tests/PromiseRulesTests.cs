using Helix.Platform.Model;
using Helix.Platform.Rendering;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

/// <summary>
/// The seed's promises a tired operator's hand edit breaks without a network leak: each edit of the
/// reference tree below breaks one, and that promise's rule reports it on that object; the reference
/// itself breaks none.
/// </summary>
public sealed class PromiseRulesTests
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;

    private const string Cluster = "gitops/platform/cnpg/base/cluster.yaml";
    private const string Pooler = "gitops/platform/cnpg/base/pooler.yaml";

    private static List<Finding> Verify(string path, string find, string replace)
    {
        var files = GitOpsRenderer.Render(Model);
        var texts = files.Paths.Where(p => p.StartsWith("gitops/", StringComparison.Ordinal) && !TreeVerifier.IsTestSuite(p)).ToDictionary(p => p, files.Text);
        if (path.Length > 0)
        {
            Assert.Contains(find, texts[path], StringComparison.Ordinal);
            texts[path] = texts[path].Replace(find, replace, StringComparison.Ordinal);
        }
        return [.. TreeVerifier.Verify([.. texts.Keys.Order(StringComparer.Ordinal)], p => new StringReader(texts[p]), Model)];
    }

    private static Finding Single(List<Finding> findings, string rule, string resource) =>
        Assert.Single(findings, f => f.Rule == rule && f.Resource == resource);

    [Fact]
    public void TheReferenceTree_BreaksNoPromise()
    {
        Assert.Empty(Verify("", "", ""));
    }

    [Theory]
    [InlineData("  instances: 3\n", "  instances: 1\n", "1 instance(s), where the spec asks for 3")]
    [InlineData("    podAntiAffinityType: required\n", "    podAntiAffinityType: preferred\n", "may share a node")]
    [Trait("breaks", "postgres-ha")]
    public void APostgresNoLongerHighlyAvailable_IsCaught(string find, string replace, string message)
    {
        var finding = Single(Verify(Cluster, find, replace), PromiseRules.PostgresHaRule, "Cluster/postgres/postgres");
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "postgres-pooling")]
    public void APoolerInSessionMode_IsCaught()
    {
        var finding = Single(Verify(Pooler, "poolMode: transaction", "poolMode: session"), PromiseRules.PoolingRule, "Pooler/postgres/postgres-pooler");
        Assert.Contains("pools in session mode", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "postgres-backup")]
    public void BackupsGone_AreCaught_TheWalArchiveAndTheSchedule()
    {
        var archive = Single(Verify(Cluster, "      isWALArchiver: true\n", ""), PromiseRules.BackupRule, "Cluster/postgres/postgres");
        Assert.Contains("no WAL archive", archive.Message, StringComparison.Ordinal);

        var schedule = Single(Verify("gitops/platform/cnpg/base/scheduled-backup.yaml", "    name: postgres\n", "    name: postgres-old\n"),
            PromiseRules.BackupRule, "Cluster/postgres/postgres");
        Assert.Contains("no ScheduledBackup", schedule.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "chart-pinned")]
    public void AChartVersionLeftFloating_IsCaught()
    {
        var finding = Single(Verify("gitops/platform/redis/application.yaml", "targetRevision: 4.39.0", "targetRevision: 4.x"),
            PromiseRules.ChartPinRule, "Application/argocd/redis");
        Assert.Contains("\"4.x\"", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "image-pinned")]
    public void AnImageByAMutableTag_IsCaught()
    {
        var finding = Single(Verify("gitops/platform/ollama/base/stateful-set.yaml", "image: ", "image: docker.io/ollama/ollama:latest #"),
            PromiseRules.ImagePinRule, "StatefulSet/ollama/ollama");
        Assert.Contains("docker.io/ollama/ollama:latest", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "tenant-project")]
    public void ATenantsProjectWidened_IsCaught()
    {
        var findings = Verify("gitops/tenants/acme/base/app-project.yaml", "  clusterResourceWhitelist: []\n",
            "  clusterResourceWhitelist:\n    - group: '*'\n      kind: '*'\n");
        Assert.Contains("may create cluster-scoped objects", Single(findings, PromiseRules.TenantProjectRule, "AppProject/argocd/tenant-acme").Message, StringComparison.Ordinal);

        var elsewhere = Verify("gitops/tenants/acme/base/app-project.yaml", "      namespace: acme\n", "      namespace: postgres\n");
        Assert.Contains("namespace postgres, beyond its own", Single(elsewhere, PromiseRules.TenantProjectRule, "AppProject/argocd/tenant-acme").Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "host-access")]
    public void AWorkloadOnTheHostNetwork_IsCaught_WhereTheNamespaceGrantsNoHostAccess()
    {
        var finding = Single(Verify("gitops/platform/steel/base/deployment.yaml", "    spec:\n", "    spec:\n      hostNetwork: true\n"),
            PromiseRules.HostAccessRule, "Deployment/steel/steel");
        Assert.Contains("hostNetwork in steel", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "exposure")]
    public void AServiceExposedAroundTraefik_IsCaught()
    {
        var finding = Single(Verify("gitops/apps/orchestrator/base/service.yaml", "  type: ClusterIP\n", "  type: NodePort\n"),
            PromiseRules.ExposureRule, "Service/helix-orchestrator/orchestrator");
        Assert.Contains("around Traefik", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "route-tls")]
    public void ARouteServedWithoutTls_IsCaught()
    {
        var findings = Verify("gitops/platform/ingress/base/ingress-routes.yaml", "    - websecure\n", "    - web\n");
        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.Equal(PromiseRules.RouteTlsRule, f.Rule));
        Assert.All(findings, f => Assert.StartsWith("IngressRoute/traefik/", f.Resource, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "tenant-rbac")]
    public void ATenantBoundToClusterWideRoles_IsCaught()
    {
        const string Binding = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: acme-view\n"
            + "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects:\n  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: acme-dev\n";
        var finding = Single(Verify("gitops/tenants/acme/base/resource-quota.yaml", "pods: \"50\"\n", "pods: \"50\"\n" + Binding),
            PromiseRules.TenantRbacRule, "ClusterRoleBinding/-/acme-view");
        Assert.Contains("tenant acme to a cluster-wide role", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "pod-security-level")]
    public void ANamespacesPodSecurityLowered_IsCaught()
    {
        var finding = Single(Verify("gitops/tenants/acme/base/namespace.yaml", "pod-security.kubernetes.io/enforce: restricted", "pod-security.kubernetes.io/enforce: baseline"),
            PromiseRules.PodSecurityRule, "Namespace/-/acme");
        Assert.Contains("enforce is baseline, where the platform runs acme at restricted", finding.Message, StringComparison.Ordinal);
    }
}
