using Helix.Platform.Charts;
using Helix.Platform.Model;
using Helix.Platform.Simulation;
using Helix.Platform.Verification;
using Helix.Testing;

namespace Helix.Platform.Tests;

/// <summary>
/// Hand edits of the reference tree on disk, the kind that slip through review, each verified as
/// <c>helix verify --tree</c> verifies it: the tree, the charts' real output (Helm v4 over
/// ../shared/charts), the bring-up, <c>infra/</c>. Each edit breaks one promise, and the rule that
/// keeps it reports it on the object edited.
/// </summary>
public sealed class ReferenceBreaksTests : IDisposable
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private static readonly Lazy<Output.FileSet> Reference = new(() => PlatformCompiler.RenderAndVerify(Model).Files);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helix-breaks-");

    public void Dispose() => _root.Delete(recursive: true);

    private const string Steel = "gitops/platform/steel/base/deployment.yaml";
    private const string Routes = "gitops/platform/ingress/base/ingress-routes.yaml";
    private const string Traefik = "gitops/platform/traefik/application.yaml";

    /// <summary>The edit of each case: the file, how it changes, the rule expected, and where its finding must point (file or object).</summary>
    private static readonly Dictionary<string, (string Path, Func<string, string> Edit, string Rule, string At, bool WithSpec)> Cases = new(StringComparer.Ordinal)
    {
        ["broken YAML"] = (Steel, t => Once(t, "spec:\n", "spec: [\n"), TreeVerifier.YamlRule, "platform/steel/base/deployment.yaml", true),
        ["a name YAML reads as a number"] = ("gitops/tenants/acme/base/namespace.yaml", t => Once(t, "  name: acme\n", "  name: 1e3\n"),
            TreeVerifier.ObjectRule, "tenants/acme/base/namespace.yaml", true),
        ["a misspelt field"] = (Steel, t => Once(t, "      containers:\n", "      hostNetwrok: true\n      containers:\n"), TreeVerifier.CoreRule, "Deployment/steel/steel", true),
        ["text where the CRD wants a number"] = ("gitops/platform/cnpg/base/cluster.yaml", t => Once(t, "  instances: 3\n", "  instances: three\n"),
            CrdSchemas.Rule, "Cluster/postgres/postgres", true),
        ["a Secret in plain text"] = ("gitops/tenants/acme/base/secret.yaml",
            _ => "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: acme\nstringData:\n  password: hunter2\n", TreeVerifier.SecretRule, "Secret/acme/db", true),
        ["a workload that may run as root"] = (Steel, t => t.Replace("runAsNonRoot: true", "runAsNonRoot: false", StringComparison.Ordinal),
            TreeRules.WorkloadRule, "Deployment/steel/steel", true),
        ["the same object twice"] = ("gitops/platform/steel/base/service.yaml", t => t + "---\n" + t, TreeRules.OwnerRule, "Service/steel/steel", true),
        ["a wave before its dependency"] = ("gitops/platform/cnpg/application.yaml", t => Once(t, "sync-wave: \"31\"", "sync-wave: \"20\""), TreeRules.WaveRule, "cnpg", true),
        ["an SSO route without its middleware"] = (Routes, t => Once(t, "      middlewares:\n        - name: authentik\n          namespace: traefik\n", ""),
            TreeRules.SsoRule, "argocd", true),
        ["a misspelt chart value"] = (Traefik, t => Once(t, "          deployment:\n            replicas: 2\n", "          deploymnet:\n            replicas: 2\n"),
            ChartVerifier.ValuesRule, "Application/argocd/traefik", true),
        ["a value the chart's schema refuses"] = (Traefik, t => Once(t, "            replicas: 2\n", "            replicas: two\n"), ChartVerifier.RenderRule, "Application/argocd/traefik", true),
        ["a chart version not fetched"] = ("gitops/platform/redis/application.yaml", t => Once(t, "targetRevision: 4.39.0", "targetRevision: 4.39.1"),
            ChartVerifier.MissingRule, "Application/argocd/redis", true),
        ["monitors before their CRDs, without the spec"] = ("gitops/platform/monitoring-crds/application.yaml", t => Once(t, "sync-wave: \"20\"", "sync-wave: \"65\""),
            ChartVerifier.CrdOrderRule, "ServiceMonitor/", false),
        ["a route to a port the Service does not have"] = (Routes, t => Once(t, "          namespace: argocd\n          port: 80\n", "          namespace: argocd\n          port: 8081\n"),
            BringUpSimulator.ReferenceRule, "IngressRoute/traefik/", true),
        ["a static key for Route 53"] = ("gitops/platform/cert-manager/base/cluster-issuers.yaml",
            t => Once(t,
                "            auth:\n              kubernetes:\n                serviceAccountRef:\n                  name: cert-manager-route53\n"
                    + "                  audiences:\n                    - sts.amazonaws.com\n",
                "            accessKeyIDSecretRef:\n              name: route53\n              key: id\n"
                    + "            secretAccessKeySecretRef:\n              name: route53\n              key: secret\n"),
            PromiseRules.StaticKeysRule, "ClusterIssuer/-/letsencrypt-staging", true),
        ["a static key for the backups"] = ("gitops/platform/cnpg/base/object-store.yaml",
            t => Once(t, "      inheritFromIAMRole: true\n", "      accessKeyId:\n        name: backup\n        key: id\n      secretAccessKey:\n        name: backup\n        key: secret\n"),
            PromiseRules.StaticKeysRule, "ObjectStore/postgres/postgres-backups", true),
        ["an IAM user key in Terraform"] = ("infra/terraform/identity.tf.json",
            t => Once(t, "    \"aws_iam_role\": {", "    \"aws_iam_access_key\": { \"ci\": { \"user\": \"ci\" } },\n    \"aws_iam_role\": {"),
            PromiseRules.StaticKeysRule, "aws_iam_access_key.ci", true),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    private static string Once(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the edit must hit: {find}");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    [Theory]
    [MemberData(nameof(Names))]
    [Trait("breaks", "yaml")]
    [Trait("breaks", "kubernetes-object")]
    [Trait("breaks", "core-schema")]
    [Trait("breaks", "crd-schema")]
    [Trait("breaks", "no-plaintext-secret")]
    [Trait("breaks", "workload-hardening")]
    [Trait("breaks", "single-owner")]
    [Trait("breaks", "sync-wave-order")]
    [Trait("breaks", "sso-forward-auth")]
    [Trait("breaks", "chart-values")]
    [Trait("breaks", "chart-render")]
    [Trait("breaks", "chart-missing")]
    [Trait("breaks", "crd-before-use")]
    [Trait("breaks", "no-static-keys")]
    public void AHandEditOfTheReferenceTree_IsCaughtByTheRuleOfThePromiseItBreaks(string name)
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var (path, edit, rule, at, withSpec) = Cases[name];
        foreach (var file in Reference.Value.Paths.Where(p => p.StartsWith("gitops/", StringComparison.Ordinal) || p.StartsWith("infra/", StringComparison.Ordinal)))
        {
            var full = Path.Combine(_root.FullName, file);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, Reference.Value.Text(file));
        }
        var edited = Path.Combine(_root.FullName, path);
        File.WriteAllText(edited, edit(File.Exists(edited) ? File.ReadAllText(edited) : ""));

        var model = withSpec ? Model : null;
        var verification = PlatformCompiler.Verify(_root.FullName, model);
        var charts = PlatformCompiler.VerifyCharts(verification.Tree, model, Environment.GetEnvironmentVariable);
        List<Finding> findings = [.. verification.Findings, .. charts.Findings];
        if (model is not null && verification.Tree.Findings.All(f => f.Rule != TreeVerifier.YamlRule))
        {
            findings.AddRange(PlatformCompiler.BringUp(verification.Tree, charts, model).Findings);
        }

        Assert.Contains(findings, f => f.Rule == rule && (f.File.Contains(at, StringComparison.Ordinal) || f.Resource.Contains(at, StringComparison.Ordinal)));
    }
}
