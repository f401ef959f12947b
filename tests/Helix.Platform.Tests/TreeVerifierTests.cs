using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

public sealed class TreeVerifierTests : IDisposable
{
    private readonly DirectoryInfo _tree = Directory.CreateTempSubdirectory("helix-tree-");

    private const string Application = """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: cilium
          namespace: argocd
        spec:
          project: platform
          source:
            repoURL: https://helm.cilium.io
            chart: cilium
            targetRevision: 1.16.5
          destination:
            server: https://kubernetes.default.svc
            namespace: kube-system
          syncPolicy:
            automated:
              prune: true
        """;

    private void Write(string path, string text)
    {
        var full = Path.Combine(_tree.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    [Fact]
    public void CleanTree_HasNoFindings_WithTypedScalarsFromYaml()
    {
        Write("platform/cilium/app.yaml", Application);
        Write("platform/argocd/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n");
        Assert.Empty(TreeVerifier.Verify(_tree.FullName));
    }

    [Fact]
    public void EveryDocumentOfAFile_IsChecked_WithTheFileAndObjectNamed()
    {
        Write("platform/apps.yaml",
            Application + "---\n" + Application.Replace("prune: true", "prune: sometimes", StringComparison.Ordinal).Replace("name: cilium", "name: broken", StringComparison.Ordinal));
        var finding = Assert.Single(TreeVerifier.Verify(_tree.FullName));
        Assert.Equal("platform/apps.yaml", finding.File);
        Assert.Equal("Application/argocd/broken", finding.Resource);
        Assert.Equal(CrdSchemas.Rule, finding.Rule);
    }

    [Fact]
    [Trait("breaks", "no-plaintext-secret")]
    public void PlaintextSecret_IsAFinding_ButASopsEncryptedOneIsNot()
    {
        Write("tenants/acme/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: acme\nstringData:\n  password: hunter2\n");
        Write("tenants/acme/sealed.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db2\n  namespace: acme\ndata:\n  password: ENC[AES256_GCM,data:abc,type:str]\n"
            + "sops:\n  kms:\n    - arn: arn:aws:kms:eu-central-1:111122223333:key/x\n");
        var finding = Assert.Single(TreeVerifier.Verify(_tree.FullName));
        Assert.Equal(TreeVerifier.SecretRule, finding.Rule);
        Assert.Equal("Secret/acme/db", finding.Resource);
        Assert.DoesNotContain("hunter2", finding.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "kubernetes-object")]
    public void ANumberOrBooleanWhereTextBelongs_IsAFindingWithTheFix_NotACrash()
    {
        Write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: 1e3\n");
        Write("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: acme\n  labels:\n    enabled: yes\n");
        Write("c.yaml", Application.Replace("namespace: argocd", "namespace: no", StringComparison.Ordinal));

        var findings = TreeVerifier.Verify(_tree.FullName);

        Assert.All(findings, f => Assert.Equal(TreeVerifier.ObjectRule, f.Rule));
        var name = Assert.Single(findings, f => f.File == "a.yaml");
        Assert.StartsWith("metadata.name is a number, not text (YAML reads names such as 1e3", name.Message, StringComparison.Ordinal);
        Assert.Equal("write the name in quotes, such as name: \"1e3\"", name.Fix);
        Assert.Contains(findings, f => f.File == "b.yaml" && f.Message == "metadata.labels.enabled is a boolean, not text");
        Assert.Contains(findings, f => f.File == "c.yaml" && f.Message.StartsWith("metadata.namespace is a boolean", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "yaml")]
    public void BrokenYamlAndNonObjects_AreFindings_NotCrashes()
    {
        Write("a.yaml", "kind: [unclosed\n");
        Write("b.yml", "- just\n- a list\n");
        var findings = TreeVerifier.Verify(_tree.FullName);
        Assert.Equal([TreeVerifier.YamlRule, TreeVerifier.ObjectRule], findings.Select(f => f.Rule));
        Assert.StartsWith("YAML syntax at 2:1:", findings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "workload-hardening")]
    public void WorkloadWithoutLimitsProbesOrNonRoot_IsAFindingPerGap()
    {
        var bare = CoreKindTests.Deployment
            .Replace("      securityContext: { runAsNonRoot: true, runAsUser: 1654 }\n", "", StringComparison.Ordinal)
            .Replace("            limits: { memory: 512Mi }\n", "", StringComparison.Ordinal)
            .Replace("          readinessProbe: { httpGet: { path: /readyz, port: 8080 } }\n", "", StringComparison.Ordinal)
            .Replace("\n          securityContext: { allowPrivilegeEscalation: false }", "", StringComparison.Ordinal);
        Write("x.yaml", bare);
        var findings = TreeVerifier.Verify(_tree.FullName);
        Assert.All(findings, f => Assert.Equal(TreeRules.WorkloadRule, f.Rule));
        Assert.Equal(
            ["container orchestrator allows privilege escalation", "container orchestrator has no memory limit", "container orchestrator lacks a liveness or readiness probe",
                "container orchestrator may run as root"],
            findings.Select(f => f.Message).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheSameObjectTwice_OrOneTerraformOwns_IsASingleOwnerFinding()
    {
        Write("apps/a.yaml", CoreKindTests.Deployment);
        Write("apps/b.yaml", CoreKindTests.Deployment);
        Write("apps/lb.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lb\n  labels: { helix.io/owner: terraform }\n");
        var findings = TreeVerifier.Verify(_tree.FullName);
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal(TreeRules.OwnerRule, f.Rule));
        Assert.Contains(findings, f => f.File == "apps/b.yaml" && f.Message == "declared again (first in apps/a.yaml)");
        Assert.Contains(findings, f => f.File == "apps/lb.yaml" && f.Fix.Contains("Terraform", StringComparison.Ordinal));
    }

    private static string App(string name, int wave, string? dependsOn = null) => Application
        .Replace("  name: cilium\n", $"  name: {name}\n  annotations:\n    argocd.argoproj.io/sync-wave: \"{wave}\"\n" + (dependsOn is null ? "" : $"    helix.io/depends-on: {dependsOn}\n"),
            StringComparison.Ordinal);

    [Fact]
    [Trait("breaks", "sync-wave-order")]
    public void AnApplicationSyncingNoLaterThanItsDependency_IsAWaveFinding()
    {
        Write("platform/cilium/application.yaml", App("cilium", 20));
        Write("platform/longhorn/application.yaml", App("longhorn", 20, "cilium"));
        Write("platform/cnpg/application.yaml", App("cnpg", 31, "longhorn,cert-manager"));
        var findings = TreeVerifier.Verify(_tree.FullName);
        Assert.All(findings, f => Assert.Equal(TreeRules.WaveRule, f.Rule));
        Assert.Equal(
            ["depends on 'cert-manager', which no Application in the tree installs", "sync wave 20 is not after wave 20 of 'cilium', which it depends on"],
            findings.Select(f => f.Message).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AWaveHandEditedOutOfOrder_IsCaughtAgainstTheModel_EvenWithoutTheAnnotation()
    {
        var model = PlatformCompiler.Model(Spec.SpecLoader.Load(ReferenceSpec.Path).Spec!);
        Write("platform/monitoring-crds/application.yaml", App("monitoring-crds", 20));
        Write("platform/cilium/application.yaml", App("cilium", 21));
        Write("platform/longhorn/application.yaml", App("longhorn", 19)); // depends-on annotation removed by hand
        var findings = TreeVerifier.Verify(_tree.FullName, model);
        Assert.All(findings, f => Assert.Equal((TreeRules.WaveRule, "Application/argocd/longhorn"), (f.Rule, f.Resource)));
        Assert.Equal(
            ["sync wave 19 is not after wave 20 of 'monitoring-crds', which it depends on", "sync wave 19 is not after wave 21 of 'cilium', which it depends on"],
            findings.Select(f => f.Message).Order(StringComparer.Ordinal));
    }

    private const string ForwardAuth = """
        apiVersion: traefik.io/v1alpha1
        kind: Middleware
        metadata: { name: authentik, namespace: traefik }
        spec:
          forwardAuth: { address: "http://authentik-server.authentik.svc.cluster.local/outpost.goauthentik.io/auth/traefik" }
        """;

    private static string Route(string host, bool guarded, bool labelled) => $$"""
        apiVersion: traefik.io/v1alpha1
        kind: IngressRoute
        metadata:
          name: {{host.Replace('.', '-')}}
          namespace: traefik
          labels: { helix.io/auth: {{(labelled ? "sso" : "public")}} }
        spec:
          entryPoints: [websecure]
          routes:
            - match: Host(`{{host}}`)
              kind: Rule
              services: [{ name: argocd-server, namespace: argocd, port: 80 }]
        {{(guarded ? "      middlewares: [{ name: authentik, namespace: traefik }]" : "")}}
          tls: { secretName: helix-example-com-tls }
        """;

    [Fact]
    [Trait("breaks", "sso-forward-auth")]
    public void AnSsoRouteWithoutForwardAuth_IsAFinding_WhetherTheLabelOrTheSpecSaysSso()
    {
        Write("platform/traefik/base/authentik-middleware.yaml", ForwardAuth);
        Write("platform/ingress/base/guarded.yaml", Route("grafana.helix.example.com", guarded: true, labelled: true));
        Write("platform/ingress/base/labelled.yaml", Route("devtron.helix.example.com", guarded: false, labelled: true));
        Write("platform/ingress/base/unlabelled.yaml", Route("argocd.helix.example.com", guarded: false, labelled: false));

        var withoutIntent = Assert.Single(TreeVerifier.Verify(_tree.FullName));
        Assert.Equal(TreeRules.SsoRule, withoutIntent.Rule);
        Assert.Equal("IngressRoute/traefik/devtron-helix-example-com", withoutIntent.Resource);

        var model = PlatformCompiler.Model(Spec.SpecLoader.Load(ReferenceSpec.Path).Spec!);
        var withIntent = TreeVerifier.Verify(_tree.FullName, model).Where(f => f.Rule == TreeRules.SsoRule).ToList();
        Assert.Contains(withIntent, f => f.Resource == "IngressRoute/traefik/argocd-helix-example-com");
        Assert.Contains(withIntent, f => f.Message == "the spec's SSO route orchestrator.helix.example.com has no IngressRoute");
    }

    [Fact]
    public void AMiddlewareNamedRightButWithoutForwardAuth_DoesNotGuardTheRoute()
    {
        Write("platform/traefik/base/authentik-middleware.yaml",
            ForwardAuth.Replace("forwardAuth: { address: \"http://authentik-server.authentik.svc.cluster.local/outpost.goauthentik.io/auth/traefik\" }", "headers: { frameDeny: true }",
            StringComparison.Ordinal));
        Write("platform/ingress/base/guarded.yaml", Route("grafana.helix.example.com", guarded: true, labelled: true));
        Assert.Equal(TreeRules.SsoRule, Assert.Single(TreeVerifier.Verify(_tree.FullName)).Rule);
    }

    public void Dispose() => _tree.Delete(recursive: true);
}

public sealed class CoreKindTests : IDisposable
{
    private readonly DirectoryInfo _tree = Directory.CreateTempSubdirectory("helix-core-");

    internal const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: orchestrator
          namespace: helix-orchestrator
        spec:
          replicas: 2
          selector:
            matchLabels: { app: orchestrator }
          template:
            metadata:
              labels: { app: orchestrator }
            spec:
              securityContext: { runAsNonRoot: true, runAsUser: 1654 }
              containers:
                - name: orchestrator
                  image: ghcr.io/helix-platform/orchestrator:0.1.0
                  resources:
                    requests: { cpu: 250m, memory: 256Mi }
                    limits: { memory: 512Mi }
                  livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
                  readinessProbe: { httpGet: { path: /readyz, port: 8080 } }
                  securityContext: { allowPrivilegeEscalation: false }
        """;

    private IReadOnlyList<Finding> VerifyOne(string yaml)
    {
        File.WriteAllText(Path.Combine(_tree.FullName, "x.yaml"), yaml);
        return TreeVerifier.Verify(_tree.FullName);
    }

    [Fact]
    public void ValidDeployment_HasNoFindings() => Assert.Empty(VerifyOne(Deployment));

    [Fact]
    public void UnknownField_IsAFinding()
    {
        var finding = Assert.Single(VerifyOne(Deployment.Replace("  replicas: 2", "  replicas: 2\n  replica: 3", StringComparison.Ordinal)));
        Assert.Equal(TreeVerifier.CoreRule, finding.Rule);
        Assert.Equal("Deployment/helix-orchestrator/orchestrator", finding.Resource);
    }

    [Fact]
    public void MistypedField_IsAFinding()
    {
        var finding = Assert.Single(VerifyOne(Deployment.Replace("replicas: 2", "replicas: two", StringComparison.Ordinal)));
        Assert.Equal(TreeVerifier.CoreRule, finding.Rule);
    }

    [Fact]
    public void MissingRequiredField_IsAFinding()
    {
        var finding = Assert.Single(VerifyOne(Deployment.Replace("    matchLabels: { app: orchestrator }\n", "", StringComparison.Ordinal).Replace("  selector:\n", "", StringComparison.Ordinal)));
        Assert.Equal(TreeVerifier.CoreRule, finding.Rule);
        Assert.Equal("required field spec.selector is missing", finding.Message);
    }

    [Fact]
    public void ContainerWithoutImage_IsAFinding()
    {
        var finding = Assert.Single(VerifyOne(Deployment.Replace("image: ghcr.io/helix-platform/orchestrator:0.1.0", "imagePullPolicy: Always", StringComparison.Ordinal)));
        Assert.Equal("required field spec.template.spec.containers[*].image is missing", finding.Message);
    }

    public void Dispose() => _tree.Delete(recursive: true);
}
