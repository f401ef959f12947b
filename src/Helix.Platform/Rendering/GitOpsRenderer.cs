using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Rendering;

/// <summary>
/// Renders the GitOps tree ArgoCD syncs: <c>gitops/bootstrap</c> (the root app-of-apps, projects,
/// namespaces), one folder per Application under <c>gitops/platform</c>, <c>gitops/apps</c> and
/// <c>gitops/tenants</c> (an <c>application.yaml</c> and the component's own manifests in
/// <c>base/</c>), and the repository's <c>.sops.yaml</c>.
/// </summary>
internal static class GitOpsRenderer
{
    /// <summary>Folders a render owns completely: a file in them that the render does not produce is removed.</summary>
    public static readonly IReadOnlyList<string> OwnedFolders = ["gitops/bootstrap", "gitops/platform", "gitops/apps", "gitops/tenants"];

    public const string Root = "gitops";

    public static FileSet Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var spec = model.Spec;
        var files = new FileSet();

        files.AddGenerated($"{Root}/bootstrap/root.yaml", YamlWriter.Write(RootApplication(spec)));
        files.AddGenerated($"{Root}/bootstrap/projects.yaml", YamlWriter.WriteAll(Projects(model)));
        files.AddGenerated($"{Root}/bootstrap/namespaces.yaml", YamlWriter.WriteAll(Namespaces(model)));

        // The registry lists components in the order the model holds their declarations: no second Declare.
        var components = ComponentRegistry.For(spec)
            .Select((component, i) => (model.Declarations[i].Name, component))
            .ToDictionary(c => c.Name, c => c.component, StringComparer.Ordinal);
        foreach (var app in model.Applications)
        {
            var rendered = components[app.Name].Render(model);
            files.AddGenerated($"{Root}/{app.Folder}/application.yaml", YamlWriter.Write(Application(spec, app, rendered)));
            foreach (var file in rendered.Files)
            {
                files.AddGenerated($"{Root}/{app.Folder}/base/{file.Name}", YamlWriter.WriteAll(file.Objects));
            }
            foreach (var file in rendered.Unsynced)
            {
                files.AddGenerated($"{Root}/{app.Folder}/{file.Path}", file.Text);
            }
        }
        files.AddGenerated(".sops.yaml", YamlWriter.Write(SopsConfig(spec)));
        return files;
    }

    /// <summary>The app-of-apps: every folder's <c>application.yaml</c> and the bootstrap objects, nothing else.</summary>
    private static Resource<ApplicationSpec> RootApplication(PlatformSpec spec) => new("argoproj.io/v1alpha1", "Application",
        Meta.Object("root", "argocd", "root"),
        new ApplicationSpec(
            "platform",
            new ApplicationDestination(Meta.InCluster, "argocd"),
            null,
            new ApplicationSource(spec.GitOps.RepoUrl, spec.GitOps.Branch, Path: Root,
                Directory: new DirectorySource(true, "{bootstrap/*.yaml,platform/*/application.yaml,apps/*/application.yaml,tenants/*/application.yaml}")),
            Sync(prune: true)));

    private static IEnumerable<object> Projects(PlatformModel model)
    {
        var spec = model.Spec;
        // Every namespace, Helix's services' too: the platform's network policies and quotas live in each.
        var platformNamespaces = model.Namespaces().Select(n => n.Namespace)
            .Append("argocd").Append("kube-system")
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        yield return new Resource<AppProjectSpec>("argoproj.io/v1alpha1", "AppProject",
            Meta.Object("platform", "argocd", "root", annotations: Meta.Wave(-1)),
            new AppProjectSpec(
                "The platform's components (seed steps 2 to 9): charts from the pinned repositories and this repository's manifests",
                model.ChartRepositories().Prepend(spec.GitOps.RepoUrl).ToList(),
                platformNamespaces.Select(ns => new ApplicationDestination(Meta.InCluster, ns)).ToList(),
                [new GroupKind("*", "*")]));
        yield return new Resource<AppProjectSpec>("argoproj.io/v1alpha1", "AppProject",
            Meta.Object("apps", "argocd", "root", annotations: Meta.Wave(-1)),
            new AppProjectSpec(
                "Helix's own services: namespaced objects in their namespaces only; network policy and quotas stay the platform's",
                [spec.GitOps.RepoUrl],
                model.Applications.Where(a => a.Project == "apps")
                    .Select(a => new ApplicationDestination(Meta.InCluster, a.Namespace)).ToList(),
                [],
                Meta.PlatformOwnedKinds));
    }

    private static IEnumerable<object> Namespaces(PlatformModel model)
    {
        var tenants = model.Spec.Tenants.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (ns, zone) in model.Namespaces().Where(n => !tenants.Contains(n.Namespace)))
        {
            yield return new V1Namespace
            {
                ApiVersion = "v1",
                Kind = "Namespace",
                Metadata = Meta.Object(ns, null, "root", Pods.NamespaceLabels(zone, Pods.PodSecurity(ns, zone)), Meta.Wave(-1)),
            };
        }
    }

    private static Resource<ApplicationSpec> Application(PlatformSpec spec, GitOpsApp app, ComponentRender rendered)
    {
        var sources = rendered.Charts
            .Select(c => c.Removals.Count > 0
                ? new ApplicationSource(spec.GitOps.RepoUrl, spec.GitOps.Branch, Path: $"{Root}/{app.Folder}", Plugin: Trimmed(spec, c))
                : new ApplicationSource(c.Pin.Repo, c.Pin.Version, Chart: c.Pin.Chart, Helm: new HelmSource(c.ReleaseName, c.Values)))
            .ToList();
        if (rendered.Files.Count > 0)
        {
            sources.Add(new ApplicationSource(spec.GitOps.RepoUrl, spec.GitOps.Branch, Path: $"{Root}/{app.Folder}/base",
                Plugin: new PluginSource(ArgoCd.SopsPlugin)));
        }
        var annotations = Meta.Wave(app.Wave);
        if (app.DependsOn.Count > 0)
        {
            annotations[Meta.DependsOnAnnotation] = string.Join(",", app.DependsOn);
        }
        var metadata = Meta.Object(app.Name, "argocd", app.Name, new Dictionary<string, string> { ["helix.io/step"] = app.Step.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            annotations);
        if (rendered.Cascade)
        {
            metadata.Finalizers = ["resources-finalizer.argocd.argoproj.io"];
        }
        return new Resource<ApplicationSpec>("argoproj.io/v1alpha1", "Application", metadata,
            new ApplicationSpec(
                app.Project,
                new ApplicationDestination(Meta.InCluster, app.Namespace),
                sources,
                null,
                Sync(prune: true),
                rendered.IgnoreDifferences.Count > 0 ? rendered.IgnoreDifferences : null));
    }

    /// <summary>A chart the platform trims, rendered by the repo-server's plugin: everything it needs is a parameter here.</summary>
    private static PluginSource Trimmed(PlatformSpec spec, ChartSource chart) => new(HelmTrim.Name,
    [
        new(HelmTrim.Chart, chart.Pin.Chart),
        new(HelmTrim.Repo, chart.Pin.Repo),
        new(HelmTrim.Version, chart.Pin.Version),
        new(HelmTrim.Release, chart.ReleaseName),
        new(HelmTrim.KubeVersion, spec.Cluster.KubernetesVersion.TrimStart('v')),
        new(HelmTrim.Values, chart.Values.ToJsonString()),
        new(HelmTrim.Remove, string.Join('\n', chart.Removals)),
    ]);

    private static SyncPolicy Sync(bool prune) => new(
        new AutomatedSync(prune, SelfHeal: true),
        ["ServerSideApply=true", "PruneLast=true", "CreateNamespace=false"],
        new SyncRetry(10, new RetryBackoff("10s", 2, "5m")));

    /// <summary>SOPS encrypts the data of every <c>*.sops.yaml</c> Secret with the platform's KMS key (Terraform's).</summary>
    private static Dictionary<string, object> SopsConfig(PlatformSpec spec) => new(StringComparer.Ordinal)
    {
        ["creation_rules"] = new[]
        {
            new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["path_regex"] = @"\.sops\.yaml$",
                ["encrypted_regex"] = "^(data|stringData)$",
                ["kms"] = Infra.TerraformRenderer.KmsAliasArn(spec),
            },
        },
    };
}
