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

public sealed class EmbeddedCrdSchemaTests
{
    public static TheoryData<string> Schemas() => [.. CrdSchemas.Known];

    [Fact]
    public void EveryCrdSchemaOfSharedIsEmbedded_ButApplicationSets()
    {
        Assert.Equal(32, CrdSchemas.Known.Count);
        Assert.Contains("cilium.io/ciliumnetworkpolicy_v2.json", CrdSchemas.Known);
        Assert.Contains("gateway.networking.k8s.io/httproute_v1.json", CrdSchemas.Known);
        Assert.DoesNotContain("argoproj.io/applicationset_v1alpha1.json", CrdSchemas.Known);
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void EachSchema_Loads_AndRejectsAMistypedSpec(string schema)
    {
        var (group, rest) = (schema[..schema.IndexOf('/', StringComparison.Ordinal)], schema[(schema.IndexOf('/', StringComparison.Ordinal) + 1)..^".json".Length]);
        var (kind, version) = (rest[..rest.LastIndexOf('_')], rest[(rest.LastIndexOf('_') + 1)..]);
        using var document = JsonDocument.Parse($$"""{ "apiVersion": "{{group}}/{{version}}", "kind": "{{kind}}", "metadata": { "name": "x" }, "spec": "not an object" }""");
        var findings = CrdSchemas.Validate("x.yaml", document.RootElement).ToList();
        Assert.DoesNotContain(findings, f => f.Message.StartsWith("no schema", StringComparison.Ordinal));
        if (kind != "setting")
        {
            Assert.Contains(findings, f => f.Message.StartsWith("/spec", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("gateway.networking.k8s.io", true)]
    [InlineData("cilium.io", true)]
    [InlineData("apps", false)]
    [InlineData("networking.k8s.io", false)]
    [InlineData("", false)]
    public void CustomResources_AreTellFromBuiltInKinds(string group, bool custom) =>
        Assert.Equal(custom, TreeVerifier.IsCustomResource(group));
}

public sealed class PatternDialectTests
{
    [Fact]
    public void Re2UnicodeClasses_BecomeDotNetOnes_AndOthersStay()
    {
        Assert.Equal("""{"pattern":"^\\P{C}*$"}""", CrdSchemas.DotNetPatterns("""{"pattern":"^\\PC*$"}"""));
        Assert.Equal("""{"pattern":"^\\p{L}+$"}""", CrdSchemas.DotNetPatterns("""{"pattern":"^\\p{L}+$"}"""));
        Assert.Equal("""{"pattern":"^[a-z]\\d$"}""", CrdSchemas.DotNetPatterns("""{"pattern":"^[a-z]\\d$"}"""));
    }
}
