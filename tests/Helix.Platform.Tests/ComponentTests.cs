using System.Text.Json;
using Helix.Platform.Charts;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Rendering;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

/// <summary>What the components declare holds together, and matches what they render.</summary>
public sealed class ComponentTests
{
    private static readonly PlatformSpec Spec = SpecLoader.Load(ReferenceSpec.Path).Spec!;
    private static readonly PlatformModel Model = PlatformCompiler.Model(Spec);

    [Fact]
    public void EveryComponent_HasItsOwnApplication_AndEveryPartItsOwnName()
    {
        Assert.Equal(Model.Declarations.Count, Model.Declarations.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Model.Parts.Count, Model.Parts.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(Model.Declarations, d => Assert.NotEmpty(d.Parts));
        Assert.All(Model.Declarations, d => Assert.InRange(d.Step, 2, 9));
    }

    [Fact]
    public void EveryDependencyFlowPeerMetricAndRouteTarget_NamesADeclaredPart()
    {
        var parts = Model.Parts.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(Model.Parts.SelectMany(p => p.DependsOn), d => Assert.Contains(d, parts));
        Assert.All(Model.Flows, f => Assert.True(parts.Contains(f.From) && parts.Contains(f.To), $"{f.From} -> {f.To}"));
        Assert.All(Model.PeerFlows, p => Assert.Contains(p.Part, parts));
        Assert.All(Model.Declarations.SelectMany(d => d.Metrics), m => Assert.Contains(m.Part, parts));
        Assert.All(Model.Declarations.SelectMany(d => d.RouteTargets), t => Assert.Contains(t.Part, parts));
        Assert.All(Model.Declarations.SelectMany(d => d.Storage), s => Assert.Contains(s.Part, parts));
    }

    [Fact]
    public void EveryKindOfApp_HasAComponent()
    {
        foreach (var kind in Enum.GetValues<AppKind>())
        {
            var app = Spec.Apps.First() with { Name = $"x-{kind}".ToLowerInvariant(), Kind = kind, Webhooks = [], Events = [] };
            var component = Assert.Single(ComponentRegistry.For(Spec with { Apps = [app], Tenants = [] }), c => c.Declare(Spec).Name == app.Name);
            Assert.Equal(app.Namespace, component.Declare(Spec).Namespace);
        }
    }

    [Fact]
    public void EveryCustomResourceKindAComponentWrites_IsInstalledByAnEarlierWave_OrByItself()
    {
        var installedBy = Model.Declarations.SelectMany(d => d.CrdsInstalled.Select(k => (Kind: k, d.Name)))
            .ToDictionary(x => x.Kind, x => Model.Application(x.Name));
        foreach (var declaration in Model.Declarations)
        {
            var app = Model.Application(declaration.Name);
            foreach (var kind in declaration.CrdsUsed)
            {
                Assert.True(installedBy.TryGetValue(kind, out var installer), $"{declaration.Name} writes {kind}, which no component installs");
                Assert.True(installer.Name == app.Name || installer.Wave < app.Wave, $"{declaration.Name} (wave {app.Wave}) writes {kind} before {installer.Name} (wave {installer.Wave}) installs it");
            }
        }
        // And the declaration is honest: every custom kind among a component's own objects is declared as used.
        var files = GitOpsRenderer.Render(Model);
        foreach (var app in Model.Applications)
        {
            var written = Objects(files, app).Select(o => o.Kind).Where(k => k is not null && TreeVerifier.IsCustomResource(k.Group)).Select(k => k!).ToHashSet();
            Assert.Subset(Model.Declaration(app.Name).CrdsUsed.ToHashSet(), written);
        }
    }

    [Fact]
    public void EverySecretTheRenderReferences_IsInTheInventory_WithItsKeys()
    {
        var inventory = Model.Secrets().ToDictionary(s => (s.Namespace, s.Name));
        var files = GitOpsRenderer.Render(Model);
        var references = Model.Applications.SelectMany(app => Objects(files, app).SelectMany(o => SecretReferences(o.Json, o.Namespace ?? app.Namespace))).ToList();
        Assert.NotEmpty(references);
        foreach (var (ns, name, key) in references)
        {
            Assert.True(inventory.TryGetValue((ns, name), out var need), $"Secret {ns}/{name} is referenced but no component declares it");
            if (key is not null)
            {
                Assert.Contains(key, need.Keys);
            }
        }
    }

    [Fact]
    public void AChartHasOnePin_AndEveryChartTheTreeInstallsIsAPin()
    {
        // kube-prometheus-stack is installed twice (its CRDs first, then the stack), from one pin.
        var pins = Model.Declarations.SelectMany(d => d.Charts).Distinct().ToList();
        Assert.Equal(pins.Count, pins.Select(p => p.Chart).Distinct().Count());
        // As the tree gives them: Helm sources, and charts the helm-trim plugin renders (Devtron's).
        var releases = ChartRelease.FromTree(TreeVerifier.Analyse(GitOpsRenderer.Render(Model), null).Objects);
        foreach (var app in Model.Applications)
        {
            Assert.Equal(Model.Declaration(app.Name).Charts.OrderBy(p => p.Chart, StringComparer.Ordinal),
                releases.Where(r => r.Application == app.Name).Select(r => r.Pin).OrderBy(p => p.Chart, StringComparer.Ordinal));
        }
        Assert.Contains(releases, r => r.Application == "devtron" && r.Removed.Count > 0);
    }

    private sealed record RenderedObject(JsonElement Json, CrdKind? Kind, string? Namespace);

    private static IEnumerable<RenderedObject> Objects(Output.FileSet files, GitOpsApp app)
    {
        var prefix = $"gitops/{app.Folder}/base/";
        foreach (var path in files.Paths.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var reader = new StringReader(files.Text(path));
            foreach (var (document, _) in TreeVerifier.Documents(reader))
            {
                var apiVersion = document.GetProperty("apiVersion").GetString()!;
                var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
                var ns = document.GetProperty("metadata").TryGetProperty("namespace", out var n) ? n.GetString() : null;
                yield return new RenderedObject(document, new CrdKind(group, document.GetProperty("kind").GetString()!), ns);
            }
        }
        // The Application's chart values reference Secrets in its destination namespace.
        using var application = JsonDocument.Parse(JsonSerializer.Serialize(new YamlDotNet.Serialization.DeserializerBuilder().Build()
            .Deserialize<object>(files.Text($"gitops/{app.Folder}/application.yaml"))));
        foreach (var source in application.RootElement.GetProperty("spec").GetProperty("sources").EnumerateArray())
        {
            if (source.TryGetProperty("helm", out var helm))
            {
                yield return new RenderedObject(helm.Clone(), null, app.Namespace);
            }
        }
    }

    /// <summary>References by the shapes Kubernetes, CRDs and charts use: <c>secretName</c>, <c>existingSecret</c>, <c>*secret*: {name, key}</c>.</summary>
    private static IEnumerable<(string Namespace, string Name, string? Key)> SecretReferences(JsonElement element, string ns)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray().SelectMany(e => SecretReferences(e, ns)))
            {
                yield return item;
            }
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var property in element.EnumerateObject())
        {
            var secretish = property.Name.Contains("secret", StringComparison.OrdinalIgnoreCase) || property.Name is "accessKeyId" or "region" or "passwordSecret";
            if (property.Name is "secretName" or "existingSecret" && property.Value.ValueKind == JsonValueKind.String)
            {
                yield return (ns, property.Value.GetString()!, null);
            }
            else if (secretish && property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                yield return (ns, name.GetString()!, property.Value.TryGetProperty("key", out var key) ? key.GetString() : null);
            }
            else
            {
                foreach (var item in SecretReferences(property.Value, ns))
                {
                    yield return item;
                }
            }
        }
    }
}
