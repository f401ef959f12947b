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
        Write("platform/apps.yaml", Application + "---\n" + Application.Replace("prune: true", "prune: sometimes", StringComparison.Ordinal).Replace("name: cilium", "name: broken", StringComparison.Ordinal));
        var finding = Assert.Single(TreeVerifier.Verify(_tree.FullName));
        Assert.Equal("platform/apps.yaml", finding.File);
        Assert.Equal("Application/argocd/broken", finding.Resource);
        Assert.Equal(CrdSchemas.Rule, finding.Rule);
    }

    [Fact]
    public void PlaintextSecret_IsAFinding_ButASopsEncryptedOneIsNot()
    {
        Write("tenants/acme/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: acme\nstringData:\n  password: hunter2\n");
        Write("tenants/acme/sealed.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db2\n  namespace: acme\ndata:\n  password: ENC[AES256_GCM,data:abc,type:str]\nsops:\n  kms:\n    - arn: arn:aws:kms:eu-central-1:111122223333:key/x\n");
        var finding = Assert.Single(TreeVerifier.Verify(_tree.FullName));
        Assert.Equal(TreeVerifier.SecretRule, finding.Rule);
        Assert.Equal("Secret/acme/db", finding.Resource);
        Assert.DoesNotContain("hunter2", finding.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenYamlAndNonObjects_AreFindings_NotCrashes()
    {
        Write("a.yaml", "kind: [unclosed\n");
        Write("b.yml", "- just\n- a list\n");
        var findings = TreeVerifier.Verify(_tree.FullName);
        Assert.Equal([TreeVerifier.YamlRule, TreeVerifier.ObjectRule], findings.Select(f => f.Rule));
        Assert.StartsWith("YAML syntax at 2:1:", findings[0].Message, StringComparison.Ordinal);
    }

    public void Dispose() => _tree.Delete(recursive: true);
}

public sealed class CoreKindTests : IDisposable
{
    private readonly DirectoryInfo _tree = Directory.CreateTempSubdirectory("helix-core-");

    private const string Deployment = """
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
              containers:
                - name: orchestrator
                  image: ghcr.io/helix-platform/orchestrator:0.1.0
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
