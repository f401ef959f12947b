using System.Text.Json;
using Helix.Platform.Components;
using Helix.Platform.Infra;
using Helix.Platform.Model;
using Helix.Platform.Verification;
using Helix.Testing;
using YamlDotNet.RepresentationModel;
using YamlNode = YamlDotNet.RepresentationModel.YamlNode;

namespace Helix.Platform.Tests;

/// <summary>
/// The cluster reaches AWS without static keys: every service account a component gives an AWS role
/// is trusted by exactly one role, on the issuer the API server signs with, and the pods that act on
/// AWS name that role and mount a projected token for STS. Read from the rendered tree and infra, and
/// for Argo CD from the chart's real output (Helm v4 over ../shared/charts).
/// </summary>
public sealed class WorkloadIdentityTests
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private static readonly Lazy<Output.FileSet> Files = new(() => PlatformCompiler.Render(Model));

    private static readonly string[] AccountWide = ["route53:GetChange", "route53:ListHostedZonesByName"];

    private static JsonElement Terraform(string name) => JsonDocument.Parse(Files.Value.Text($"infra/terraform/{name}.tf.json")).RootElement;

    private static YamlNode Yaml(string path, string kind)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Files.Value.Text(path)));
        return stream.Documents.Select(d => d.RootNode)
            .First(n => ((YamlMappingNode)n).Children.TryGetValue(new YamlScalarNode("kind"), out var k) ? k.ToString() == kind : kind.Length == 0);
    }

    private static string At(YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step is int i ? ((YamlSequenceNode)node)[i] : ((YamlMappingNode)node)[(string)step];
        }
        return node.ToString();
    }

    private static Dictionary<string, string> Env(YamlNode env) =>
        ((YamlSequenceNode)env).Cast<YamlMappingNode>().ToDictionary(e => e["name"].ToString(), e => e["value"].ToString(), StringComparer.Ordinal);

    [Fact]
    public void EveryIdentity_HasOneRole_TrustingOnlyItsServiceAccount_OnTheIssuerTheApiServerSignsWith()
    {
        var identities = TerraformRenderer.Identities(Model).ToList();
        Assert.Equal(["argocd/argocd-repo-server", "cert-manager/cert-manager-route53", "postgres/postgres"], identities.Select(i => $"{i.Namespace}/{i.ServiceAccount}"));

        var identity = Terraform("identity");
        var issuer = identity.GetProperty("resource").GetProperty("aws_iam_openid_connect_provider").GetProperty("cluster");
        Assert.Equal(WorkloadIdentity.Issuer(Model.Spec), issuer.GetProperty("url").GetString());
        Assert.Equal([WorkloadIdentity.Audience], issuer.GetProperty("client_id_list").EnumerateArray().Select(a => a.GetString()));
        // The API server's issuer is the same URL, and its keys are published under it.
        var controlPlane = Yaml("infra/talos/infra.yaml", "");
        Assert.Equal(WorkloadIdentity.Issuer(Model.Spec), At(controlPlane, "cluster", "apiServer", "extraArgs", "service-account-issuer"));
        Assert.Equal($"{WorkloadIdentity.Issuer(Model.Spec)}/openid/v1/jwks", At(controlPlane, "cluster", "apiServer", "extraArgs", "service-account-jwks-uri"));

        var documents = identity.GetProperty("data").GetProperty("aws_iam_policy_document");
        foreach (var id in identities)
        {
            var role = identity.GetProperty("resource").GetProperty("aws_iam_role").GetProperty(TerraformRenderer.RoleId(id));
            Assert.Equal(id.RoleName(Model.Spec), role.GetProperty("name").GetString());
            var trust = Assert.Single(documents.GetProperty($"{TerraformRenderer.RoleId(id)}_assume").GetProperty("statement").EnumerateArray());
            Assert.Equal("${aws_iam_openid_connect_provider.cluster.arn}", trust.GetProperty("principals")[0].GetProperty("identifiers")[0].GetString());
            var conditions = trust.GetProperty("condition").EnumerateArray()
                .ToDictionary(c => c.GetProperty("variable").GetString()!, c => c.GetProperty("values").EnumerateArray().Select(v => v.GetString()).ToList());
            var host = WorkloadIdentity.Issuer(Model.Spec)["https://".Length..];
            Assert.Equal([id.Subject], conditions[$"{host}:sub"]);
            Assert.Equal([WorkloadIdentity.Audience], conditions[$"{host}:aud"]);
        }
    }

    [Fact]
    public void EachRole_GrantsOnlyItsComponentsActions_OnThePlatformsOwnResources()
    {
        var documents = Terraform("identity").GetProperty("data").GetProperty("aws_iam_policy_document");
        foreach (var id in TerraformRenderer.Identities(Model))
        {
            var statements = documents.GetProperty(TerraformRenderer.RoleId(id)).GetProperty("statement").EnumerateArray().ToList();
            Assert.Equal(id.Grants.SelectMany(g => g.Actions).Order(StringComparer.Ordinal),
                statements.SelectMany(s => s.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)).Order(StringComparer.Ordinal));
            foreach (var statement in statements)
            {
                var resources = statement.GetProperty("resources").EnumerateArray().Select(r => r.GetString()!).ToList();
                // Only Route 53's account-wide calls go to "*"; everything else names what Terraform made.
                if (resources.Contains("*"))
                {
                    Assert.All(statement.GetProperty("actions").EnumerateArray(), a => Assert.Contains(a.GetString(), AccountWide));
                }
                else
                {
                    Assert.All(resources, r => Assert.Matches(@"^\$\{aws_(route53_zone|s3_bucket|kms_key)\.[a-z0-9_]+\.arn\}(/\*)?$", r));
                }
            }
        }
        Assert.DoesNotContain(documents.GetProperty("postgres_postgres").GetRawText(), "aws_s3_bucket.state", StringComparison.Ordinal);
    }

    [Fact]
    public void TheIssuerBucket_PublishesOnlyTheTwoDiscoveryDocuments_AndTheRunbookUploadsThem()
    {
        var statement = Assert.Single(Terraform("identity").GetProperty("data").GetProperty("aws_iam_policy_document").GetProperty("oidc_public").GetProperty("statement").EnumerateArray());
        Assert.Equal(["s3:GetObject"], statement.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["${aws_s3_bucket.oidc.arn}/.well-known/openid-configuration", "${aws_s3_bucket.oidc.arn}/openid/v1/jwks"],
            statement.GetProperty("resources").EnumerateArray().Select(a => a.GetString()));
        var runbook = Files.Value.Text(BringUp.Path);
        Assert.Contains($"kubectl get --raw /openid/v1/jwks | aws s3 cp - s3://{WorkloadIdentity.IssuerBucket(Model.Spec)}/openid/v1/jwks", runbook, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePodsThatActOnAws_NameTheirRole_AndMountAProjectedTokenForSts()
    {
        string Arn(string ns) => TerraformRenderer.Identities(Model).Single(i => i.Namespace == ns).RoleArn(Model.Spec);

        // cert-manager requests the token for its Route 53 account itself, and may request no other.
        var issuer = Yaml("gitops/platform/cert-manager/base/cluster-issuers.yaml", "ClusterIssuer");
        Assert.Equal(Arn("cert-manager"), At(issuer, "spec", "acme", "solvers", 0, "dns01", "route53", "role"));
        Assert.Equal("cert-manager-route53", At(issuer, "spec", "acme", "solvers", 0, "dns01", "route53", "auth", "kubernetes", "serviceAccountRef", "name"));
        var role = Yaml("gitops/platform/cert-manager/base/route53-identity.yaml", "Role");
        Assert.Equal("cert-manager-route53", At(role, "rules", 0, "resourceNames", 0));
        Assert.Equal("serviceaccounts/token", At(role, "rules", 0, "resources", 0));

        // The backups' sidecar: CNPG mounts the projected volume template in the instance, and the plugin's sidecar with it.
        var cluster = Yaml("gitops/platform/cnpg/base/cluster.yaml", "Cluster");
        Assert.Equal(WorkloadIdentity.Audience, At(cluster, "spec", "projectedVolumeTemplate", "sources", 0, "serviceAccountToken", "audience"));
        var store = Yaml("gitops/platform/cnpg/base/object-store.yaml", "ObjectStore");
        Assert.Equal("true", At(store, "spec", "configuration", "s3Credentials", "inheritFromIAMRole"));
        var env = Env(((YamlMappingNode)((YamlMappingNode)store)["spec"])["instanceSidecarConfiguration"]["env"]);
        Assert.Equal(Arn("postgres"), env["AWS_ROLE_ARN"]);
        Assert.Equal("/projected/token", env["AWS_WEB_IDENTITY_TOKEN_FILE"]);
    }

    [Fact]
    public void ArgoCdsSopsSidecar_AssumesItsRole_AsTheServiceAccountTheChartRunsItWith()
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var verification = PlatformCompiler.Verify(Files.Value, Model);
        var charts = PlatformCompiler.VerifyCharts(verification.Tree, Model, Environment.GetEnvironmentVariable);
        var output = charts.Charts.Single(c => c.Release.Application == ArgoCd.Name).Objects;
        var repoServer = output.Single(o => o.GetProperty("kind").GetString() == "Deployment" && o.GetProperty("metadata").GetProperty("name").GetString() == "argocd-repo-server");
        var pod = repoServer.GetProperty("spec").GetProperty("template").GetProperty("spec");
        var identity = TerraformRenderer.Identities(Model).Single(i => i.Namespace == ArgoCd.Namespace);

        Assert.Equal(identity.ServiceAccount, pod.GetProperty("serviceAccountName").GetString());
        var sops = pod.GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == ArgoCd.SopsPlugin);
        var env = sops.GetProperty("env").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString());
        Assert.Equal(identity.RoleArn(Model.Spec), env["AWS_ROLE_ARN"]);
        Assert.Equal($"{WorkloadIdentity.TokenDirectory}/{WorkloadIdentity.TokenFile}", env["AWS_WEB_IDENTITY_TOKEN_FILE"]);
        Assert.Contains(sops.GetProperty("volumeMounts").EnumerateArray(), m => m.GetProperty("mountPath").GetString() == WorkloadIdentity.TokenDirectory);
        var volume = pod.GetProperty("volumes").EnumerateArray().Single(v => v.GetProperty("name").GetString() == WorkloadIdentity.TokenVolume);
        Assert.Equal(WorkloadIdentity.Audience, volume.GetProperty("projected").GetProperty("sources")[0].GetProperty("serviceAccountToken").GetProperty("audience").GetString());
    }

    [Fact]
    public void NoSecretOfTheInventory_HoldsAnAwsKey()
    {
        Assert.DoesNotContain(Model.Secrets().SelectMany(s => s.Keys), k => k.Contains("ACCESS_KEY", StringComparison.OrdinalIgnoreCase) || k.Contains("access-key", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "no-static-keys")]
    public void AnAwsKeyInASecretOrAPodsEnvironment_IsCaught_AndARoleIsNot()
    {
        static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
        var secret = Parse("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"aws","namespace":"acme"},"stringData":{"AWS_ACCESS_KEY_ID":"x"}}""");
        static string Deployment(string env) =>
            """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"app","namespace":"acme"},
             "spec":{"template":{"spec":{"containers":[{"name":"app","image":"a:1","env":[{"name":"ENV","value":"x"}]}]}}}}
            """
                .Replace("ENV", env, StringComparison.Ordinal);

        var findings = PromiseRules.Objects("test", [secret, Parse(Deployment("AWS_SECRET_ACCESS_KEY")), Parse(Deployment("AWS_ROLE_ARN"))], "acme", Model)
            .Where(f => f.Rule == PromiseRules.StaticKeysRule).ToList();

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Resource == "Secret/acme/aws" && f.Message.StartsWith("it holds an AWS access key (stringData.AWS_ACCESS_KEY_ID)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Resource == "Deployment/acme/app" && f.Message.StartsWith("container app reads an AWS access key from AWS_SECRET_ACCESS_KEY", StringComparison.Ordinal));
    }
}
