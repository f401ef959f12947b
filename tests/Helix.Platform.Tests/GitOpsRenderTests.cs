using System.Text.Json;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Rendering;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

public sealed class GitOpsRenderTests
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;

    private static string RepositoryRoot => Path.GetDirectoryName(Path.GetDirectoryName(ReferenceSpec.Path))!;

    private static IReadOnlyList<Finding> VerifyRender(FileSet files, PlatformModel model) => TreeVerifier.Analyse(files, model).Findings;

    [Fact]
    public void Render_IsByteIdentical_FromOneRunToTheNext()
    {
        var first = GitOpsRenderer.Render(Model);
        var second = GitOpsRenderer.Render(ReferenceSpec.Model);
        Assert.Equal(first.Paths, second.Paths);
        Assert.All(first.Paths, p => Assert.Equal(first.Text(p), second.Text(p)));
        Assert.All(first.Paths, p => Assert.DoesNotContain("\r", first.Text(p), StringComparison.Ordinal));
    }

    [Fact]
    public void CommittedTree_IsExactlyAFreshRender()
    {
        // The golden files: gitops/ as committed. A change to the renderer shows up here as a diff to review.
        var changes = GitOpsRenderer.Render(Model).Diff(RepositoryRoot, GitOpsRenderer.OwnedFolders);
        Assert.True(changes.Count == 0,
            "the committed tree is stale; run 'helix render' and commit:\n" + string.Join('\n', changes.Select(c => $"{c.Kind} {c.Path}\n{c.UnifiedDiff}")));
    }

    [Fact]
    public void Render_PassesEveryVerificationRule()
    {
        var findings = VerifyRender(GitOpsRenderer.Render(Model), Model);
        Assert.True(findings.Count == 0, string.Join('\n', findings));
    }

    [Fact]
    public void SeedLinkedPaths_Exist()
    {
        var paths = GitOpsRenderer.Render(Model).Paths;
        foreach (var folder in new[] { "gitops/platform/traefik/", "gitops/platform/policies/", "gitops/platform/devtron/", "gitops/platform/cnpg/" })
        {
            Assert.Contains(paths, p => p.StartsWith(folder, StringComparison.Ordinal));
        }
        Assert.Contains("gitops/platform/traefik/base/authentik-middleware.yaml", paths);
        Assert.Contains("gitops/bootstrap/root.yaml", paths);
    }

    [Fact]
    public void EveryApplication_SyncsAfterWhatItDependsOn_AndWithinOrAfterItsStep()
    {
        foreach (var app in Model.Applications)
        {
            Assert.True(app.Wave >= app.Step * 10, $"{app.Name} wave {app.Wave} is before its step {app.Step}");
            foreach (var dependency in app.DependsOn)
            {
                Assert.True(Model.Application(dependency).Wave < app.Wave, $"{app.Name} (wave {app.Wave}) does not follow {dependency}");
            }
        }
        Assert.Equal("monitoring-crds", Model.Applications[0].Name); // every chart after it renders monitors
        Assert.Equal("ingress", Model.Applications[^1].Name);
    }

    [Fact]
    public void RenderedApplications_CarryTheirWave_DependenciesAndPinnedCharts()
    {
        var files = GitOpsRenderer.Render(Model);
        var cnpg = Document(files, "gitops/platform/cnpg/application.yaml");
        var root = cnpg;
        Assert.Equal(Model.Application("cnpg").Wave.ToString(System.Globalization.CultureInfo.InvariantCulture),
            root.GetProperty("metadata").GetProperty("annotations").GetProperty("argocd.argoproj.io/sync-wave").GetString());
        var sources = root.GetProperty("spec").GetProperty("sources").EnumerateArray().ToList();
        Assert.All(sources.Where(s => s.TryGetProperty("chart", out _)), s => Assert.Matches(@"^v?\d+\.\d+\.\d+$", s.GetProperty("targetRevision").GetString()!));
        Assert.Equal("gitops/platform/cnpg/base", sources[^1].GetProperty("path").GetString());

        var cluster = Document(files, "gitops/platform/cnpg/base/cluster.yaml");
        var spec = cluster.GetProperty("spec");
        Assert.Equal(3, spec.GetProperty("instances").GetInt32());
        Assert.Equal("required", spec.GetProperty("affinity").GetProperty("podAntiAffinityType").GetString());
        Assert.Equal("db", spec.GetProperty("affinity").GetProperty("nodeSelector").GetProperty("helix.io/node-role").GetString());
        Assert.True(spec.GetProperty("plugins")[0].GetProperty("isWALArchiver").GetBoolean());
        var pooler = Document(files, "gitops/platform/cnpg/base/pooler.yaml");
        Assert.Equal("transaction", pooler.GetProperty("spec").GetProperty("pgbouncer").GetProperty("poolMode").GetString());
    }

    [Fact]
    public void EverySsoRoute_HasForwardAuth_AndWebhookRoutesGoStraightToTheReceiver()
    {
        var files = GitOpsRenderer.Render(Model);
        var text = files.Text("gitops/platform/ingress/base/ingress-routes.yaml");
        Assert.Equal(Model.Spec.Routes.Count, text.Split("kind: IngressRoute").Length - 1);
        foreach (var route in Model.Routes)
        {
            var block = text.Split("---\n").Single(d => d.Contains($"name: {route.Name}\n", StringComparison.Ordinal));
            Assert.Equal(route.Route.Auth == RouteAuth.Sso, block.Contains("- name: authentik\n", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void NoSecretIsRendered_OnlyReferencesAndTheSopsRules()
    {
        var files = GitOpsRenderer.Render(Model);
        Assert.DoesNotContain(files.Paths, p => files.Text(p).Contains("kind: Secret\n", StringComparison.Ordinal));
        Assert.Contains("kms: arn:aws:kms:eu-central-1:123456789012:alias/helix-sops", files.Text(".sops.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void RemovingATenant_RemovesEverythingItHad()
    {
        var root = Directory.CreateTempSubdirectory("helix-tenant-");
        try
        {
            GitOpsRenderer.Render(Model).Write(root.FullName, GitOpsRenderer.OwnedFolders);
            Assert.True(File.Exists(Path.Combine(root.FullName, "gitops", "tenants", "acme", "base", "resource-quota.yaml")));

            var without = PlatformCompiler.Model(Model.Spec with { Tenants = [] });
            var changes = GitOpsRenderer.Render(without).Write(root.FullName, GitOpsRenderer.OwnedFolders);

            Assert.All(changes.Where(c => c.Path.StartsWith("gitops/tenants/", StringComparison.Ordinal)), c => Assert.Equal(FileChangeKind.Deleted, c.Kind));
            Assert.Equal(8, changes.Count(c => c.Path.StartsWith("gitops/tenants/acme/", StringComparison.Ordinal)));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(root.FullName, "gitops", "tenants"), "*", SearchOption.AllDirectories));
            Assert.DoesNotContain("acme", File.ReadAllText(Path.Combine(root.FullName, "gitops", "bootstrap", "projects.yaml")), StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void ATenant_GetsItsNamespaceInItsZone_QuotaAndAProjectFencedToIt()
    {
        var files = GitOpsRenderer.Render(Model);
        var ns = Document(files, "gitops/tenants/acme/base/namespace.yaml");
        Assert.Equal("app", ns.GetProperty("metadata").GetProperty("labels").GetProperty("helix.io/zone").GetString());
        var project = Document(files, "gitops/tenants/acme/base/app-project.yaml");
        var destination = Assert.Single(project.GetProperty("spec").GetProperty("destinations").EnumerateArray());
        Assert.Equal("acme", destination.GetProperty("namespace").GetString());
        Assert.Equal(0, project.GetProperty("spec").GetProperty("clusterResourceWhitelist").GetArrayLength());
        var quota = Document(files, "gitops/tenants/acme/base/resource-quota.yaml");
        Assert.Equal("50", quota.GetProperty("spec").GetProperty("hard").GetProperty("pods").GetString());
    }

    [Fact]
    public void ThePoliciesFollowTheSpecsMode_AuditThenEnforce()
    {
        var enforce = PlatformCompiler.Model(Model.Spec with { SupplyChain = Model.Spec.SupplyChain with { Mode = PolicyMode.Enforce } });
        var files = GitOpsRenderer.Render(enforce);
        foreach (var policy in new[] { "verify-images.yaml", "restrict-registries.yaml", "pod-security.yaml" })
        {
            var text = files.Text($"gitops/platform/policies/base/{policy}");
            Assert.Contains("failureAction: Enforce", text, StringComparison.Ordinal);
            Assert.DoesNotContain("failureAction: Audit", text, StringComparison.Ordinal);
        }
        var audit = GitOpsRenderer.Render(Model).Text("gitops/platform/policies/base/verify-images.yaml");
        Assert.Contains("failureAction: Audit", audit, StringComparison.Ordinal);
        // Kyverno's admission refuses "mutateDigest must be set to false for 'Audit' failure action".
        Assert.Contains("mutateDigest: false", audit, StringComparison.Ordinal);
        Assert.Contains("mutateDigest: true", files.Text("gitops/platform/policies/base/verify-images.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void ATenant_GetsItsDevtronEnvironment_ThroughDevtronsApi()
    {
        var job = k8s.KubernetesYaml.Deserialize<k8s.Models.V1Job>(GitOpsRenderer.Render(Model).Text("gitops/tenants/acme/base/devtron-environment.yaml"), strict: true);
        Assert.Equal("PostSync", job.Metadata.Annotations["argocd.argoproj.io/hook"]);
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        // Devtron's published contract (devtron-labs/devtron, EnvironmentBean): POST /orchestrator/env with these JSON names.
        var body = JsonDocument.Parse(container.Env.Single(e => e.Name == "BODY").Value).RootElement;
        Assert.Equal("acme", body.GetProperty("environment_name").GetString());
        Assert.Equal("acme", body.GetProperty("namespace").GetString());
        Assert.Equal(1, body.GetProperty("cluster_id").GetInt32());
        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Contains("$api/env/name?environment=$ENVIRONMENT", container.Command[2], StringComparison.Ordinal);
        Assert.Equal("devtron-api-token", container.Env.Single(e => e.Name == "DEVTRON_TOKEN").ValueFrom.SecretKeyRef.Name);
    }

    [Fact]
    public void EveryObjectOfAnApplication_IsInANamespaceItsProjectPermits_AndOfAKindItAllows()
    {
        // Argo CD refuses a sync whose objects fall outside the project's destinations or cluster-kind whitelist.
        var files = PlatformCompiler.Render(Model);
        var projects = files.Paths.Where(p => p == "gitops/bootstrap/projects.yaml")
            .SelectMany(p => TreeVerifier.Documents(new StringReader(files.Text(p))).Select(d => d.Document))
            .ToDictionary(p => p.GetProperty("metadata").GetProperty("name").GetString()!, p => (
                Namespaces: p.GetProperty("spec").GetProperty("destinations").EnumerateArray().Select(d => d.GetProperty("namespace").GetString()!).ToHashSet(StringComparer.Ordinal),
                ClusterKinds: p.GetProperty("spec").TryGetProperty("clusterResourceWhitelist", out var w) ? w.GetArrayLength() : 0));
        var refused = new List<string>();
        foreach (var path in files.Paths.Where(p => p.EndsWith("/application.yaml", StringComparison.Ordinal)))
        {
            var app = Document(files, path);
            var spec = app.GetProperty("spec");
            var project = projects[spec.GetProperty("project").GetString()!];
            var folder = spec.GetProperty("sources").EnumerateArray().Select(s => s.TryGetProperty("path", out var p) ? p.GetString() : null).FirstOrDefault(p => p is not null);
            if (folder is null)
            {
                continue; // a chart only: its objects are the chart's (the charts' verification)
            }
            foreach (var file in files.Paths.Where(p => p.StartsWith(folder + "/", StringComparison.Ordinal) && p.EndsWith(".yaml", StringComparison.Ordinal)))
            {
                foreach (var (document, _) in TreeVerifier.Documents(new StringReader(files.Text(file))))
                {
                    var metadata = document.GetProperty("metadata");
                    var name = $"{document.GetProperty("kind").GetString()}/{metadata.GetProperty("name").GetString()} in {file}";
                    if (!metadata.TryGetProperty("namespace", out var ns))
                    {
                        if (project.ClusterKinds == 0)
                        {
                            refused.Add($"{name}: cluster-scoped, and project {spec.GetProperty("project").GetString()} allows no cluster kind");
                        }
                    }
                    else if (!project.Namespaces.Contains(ns.GetString()!))
                    {
                        refused.Add($"{name}: namespace {ns.GetString()} is not a destination of project {spec.GetProperty("project").GetString()}");
                    }
                }
            }
        }
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    [Fact]
    public void EveryPoolWithVolumes_RunsLonghorn_WhichToleratesItsTaint()
    {
        // A Longhorn volume attaches only on a node where Longhorn's manager and CSI plugin run.
        var longhorn = Model.Declaration("longhorn");
        var values = Document(PlatformCompiler.Render(Model), "gitops/platform/longhorn/application.yaml")
            .GetProperty("spec").GetProperty("sources")[0].GetProperty("helm").GetProperty("valuesObject");
        var tolerated = values.GetProperty("defaultSettings").GetProperty("taintToleration").GetString()!.Split(';');
        var managerTolerations = values.GetProperty("longhornManager").GetProperty("tolerations").EnumerateArray().Select(t => t.GetProperty("value").GetString()).ToList();
        var pools = Model.Declarations.Where(d => d.Storage.Count > 0).SelectMany(d => d.NodePools).Distinct().ToList();
        Assert.Contains(NodeRole.Db, pools);
        foreach (var pool in pools)
        {
            Assert.Contains(pool, longhorn.NodePools);
            foreach (var taint in Meta.Tolerations(pool))
            {
                Assert.Contains($"{taint.Key}={taint.Value}:{taint.Effect}", tolerated);
                Assert.Contains(taint.Value, managerTolerations);
            }
        }
    }

    [Fact]
    public void ADeploymentAnHpaScales_StatesNoReplicaCount_ForSelfHealToReset()
    {
        var files = PlatformCompiler.Render(Model);
        var objects = files.Paths.Where(p => p.StartsWith("gitops/", StringComparison.Ordinal) && p.EndsWith(".yaml", StringComparison.Ordinal))
            .SelectMany(p => TreeVerifier.Documents(new StringReader(files.Text(p))).Select(d => d.Document)).ToList();
        var scaled = objects.Where(o => o.GetProperty("kind").GetString() == "HorizontalPodAutoscaler")
            .Select(h => (h.GetProperty("metadata").GetProperty("namespace").GetString(), h.GetProperty("spec").GetProperty("scaleTargetRef").GetProperty("name").GetString()))
            .ToHashSet();
        Assert.NotEmpty(scaled);
        var deployments = objects.Where(o => o.GetProperty("kind").GetString() == "Deployment"
            && scaled.Contains((o.GetProperty("metadata").GetProperty("namespace").GetString(), o.GetProperty("metadata").GetProperty("name").GetString()))).ToList();
        Assert.Equal(scaled.Count, deployments.Count);
        Assert.All(deployments, d => Assert.False(d.GetProperty("spec").TryGetProperty("replicas", out _), d.GetProperty("metadata").GetProperty("name").GetString()));
    }

    [Fact]
    public void ArgoCd_ReachesWhatItNeedsOnDayOne_ByName()
    {
        // Chart indexes on GitHub Pages point at release downloads (redirected to GitHub's asset hosts);
        // the repo-server decrypts with KMS; the server reads its OIDC issuer at its public address.
        var hosts = Model.PeerFlows.Where(f => f.Part == "argocd" && f.Peer == Peer.World).SelectMany(f => f.Fqdns).ToList();
        Assert.Contains("release-assets.githubusercontent.com", hosts);
        Assert.Contains("objects.githubusercontent.com", hosts);
        Assert.Contains($"kms.{Model.Spec.Infra.Aws.Region}.amazonaws.com", hosts);
        Assert.Contains(Model.Host("authentik"), hosts);
        Assert.Equal(hosts.Count, hosts.Distinct(StringComparer.Ordinal).Count());
        var policy = PlatformCompiler.Render(Model).Text("gitops/platform/network-policies/base/argocd.yaml");
        Assert.Contains($"matchName: kms.{Model.Spec.Infra.Aws.Region}.amazonaws.com", policy, StringComparison.Ordinal);
    }

    [Fact]
    public void CertManagersSelfCheck_AsksAResolverItMayReach()
    {
        // By default the DNS-01 self-check asks the authoritative name servers on port 53: default-deny drops it.
        var values = Document(PlatformCompiler.Render(Model), "gitops/platform/cert-manager/application.yaml")
            .GetProperty("spec").GetProperty("sources")[0].GetProperty("helm").GetProperty("valuesObject");
        var args = values.GetProperty("extraArgs").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("--dns01-recursive-nameservers-only", args);
        var resolver = new Uri(Assert.Single(args, a => a!.StartsWith("--dns01-recursive-nameservers=", StringComparison.Ordinal))!.Split('=', 2)[1]);
        Assert.Equal("https", resolver.Scheme);
        Assert.Contains(Model.PeerFlows, f => f.Part == "cert-manager" && f.Peer == Peer.World && f.Ports.Contains(443) && f.Fqdns.Contains(resolver.Host));
    }

    [Fact]
    public void LokiRetention_IsWrittenInHours()
    {
        Assert.Equal("336h", Observability.Hours("14d"));
        Assert.Equal("72h", Observability.Hours("72h"));
    }

    private static JsonElement Document(FileSet files, string path) => TreeVerifier.Documents(new StringReader(files.Text(path)))[0].Document;
}
