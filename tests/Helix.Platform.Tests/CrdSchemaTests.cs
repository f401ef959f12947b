using System.Text.Json;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

public sealed class CrdSchemaTests
{
    private const string ValidApplication = """
        {
          "apiVersion": "argoproj.io/v1alpha1",
          "kind": "Application",
          "metadata": { "name": "cilium", "namespace": "argocd", "annotations": { "argocd.argoproj.io/sync-wave": "2" } },
          "spec": {
            "project": "platform",
            "source": { "repoURL": "https://helm.cilium.io", "chart": "cilium", "targetRevision": "1.16.5" },
            "destination": { "server": "https://kubernetes.default.svc", "namespace": "kube-system" },
            "syncPolicy": { "automated": { "prune": true, "selfHeal": true } }
          }
        }
        """;

    private static List<Finding> Validate(string json)
    {
        using var document = JsonDocument.Parse(json);
        return CrdSchemas.Validate("gitops/bootstrap/apps/cilium.yaml", document.RootElement).ToList();
    }

    [Fact]
    public void ValidApplication_HasNoFindings() => Assert.Empty(Validate(ValidApplication));

    [Fact]
    public void MistypedField_IsAFinding_AtItsPath()
    {
        var finding = Assert.Single(Validate(ValidApplication.Replace("\"prune\": true", "\"prune\": \"yes\"", StringComparison.Ordinal)));
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Equal("Application/argocd/cilium", finding.Resource);
        Assert.Equal(CrdSchemas.Rule, finding.Rule);
        Assert.StartsWith("/spec/syncPolicy/automated/prune:", finding.Message, StringComparison.Ordinal);
        Assert.Equal("gitops/bootstrap/apps/cilium.yaml", finding.File);
    }

    [Fact]
    public void UnknownNestedField_IsAFinding()
    {
        var findings = Validate(ValidApplication.Replace("\"selfHeal\": true", "\"selfHeal\": true, \"selfheal\": true", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Message.StartsWith("/spec/syncPolicy/automated", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingRequiredField_IsAFinding()
    {
        var findings = Validate(ValidApplication.Replace("\"project\": \"platform\",", "", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Message.Contains("project", StringComparison.Ordinal));
    }

    [Fact]
    public void KindWithoutASchema_IsItselfAFinding()
    {
        var finding = Assert.Single(Validate("""{ "apiVersion": "example.com/v1", "kind": "Widget", "metadata": { "name": "w" } }"""));
        Assert.Equal("no schema for example.com/v1 Widget", finding.Message);
        Assert.Contains("example.com/widget_v1.json", finding.Fix, StringComparison.Ordinal);
    }
}
