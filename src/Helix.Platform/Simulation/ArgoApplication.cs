using System.Text.Json;
using Helix.Platform.Charts;

namespace Helix.Platform.Simulation;

/// <summary>An Argo CD Application as the simulation reads it from the tree.</summary>
/// <param name="Name">Its name.</param>
/// <param name="File">The tree file it is in.</param>
/// <param name="Wave">Its sync wave in the root app-of-apps.</param>
/// <param name="Project">Its AppProject.</param>
/// <param name="Namespace">Its destination namespace.</param>
/// <param name="RepoUrls">Every source's repository.</param>
/// <param name="Paths">The repository folders it syncs.</param>
/// <param name="SelfHeal">Whether automated sync resets live changes.</param>
/// <param name="CreateNamespace">Whether it creates its destination namespace.</param>
internal sealed record ArgoApplication(string Name, string File, int Wave, string Project, string Namespace, IReadOnlyList<string> RepoUrls,
    IReadOnlyList<string> Paths, bool SelfHeal, bool CreateNamespace)
{
    public static IReadOnlyList<ArgoApplication> FromTree(IReadOnlyList<(string File, JsonElement Object)> tree) =>
        [.. tree.Where(t => KubeObject.Text(t.Object, "kind") == "Application" && KubeObject.Text(t.Object, "apiVersion")?.StartsWith("argoproj.io/", StringComparison.Ordinal) == true)
            .Select(t => From(t.File, t.Object))
            .DistinctBy(a => a.Name)];

    public static ArgoApplication From(string file, JsonElement application)
    {
        var o = new KubeObject(file, application);
        var sources = o.At("spec") is { ValueKind: JsonValueKind.Object } spec ? ChartRelease.Sources(spec).ToList() : [];
        var options = KubeObject.Items(o.At("spec", "syncPolicy", "syncOptions")).Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!).ToList();
        return new ArgoApplication(o.Name, file, o.Wave,
            KubeObject.Text(application, "spec", "project") ?? "default",
            KubeObject.Text(application, "spec", "destination", "namespace") ?? "default",
            [.. sources.Select(s => KubeObject.Text(s, "repoURL")).OfType<string>().Distinct(StringComparer.Ordinal)],
            [.. sources.Select(s => KubeObject.Text(s, "path")).OfType<string>()],
            KubeObject.Flag(application, "spec", "syncPolicy", "automated", "selfHeal"),
            options.Contains("CreateNamespace=true"));
    }
}
