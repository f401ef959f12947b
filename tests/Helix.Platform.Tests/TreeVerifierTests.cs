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
