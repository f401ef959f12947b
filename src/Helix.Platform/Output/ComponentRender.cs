using System.Text.Json.Nodes;
using Helix.Platform.Model;

namespace Helix.Platform.Output;

/// <summary>
/// A pinned Helm chart installed by an Application with <c>valuesObject</c>; with <see cref="Removals"/>,
/// through the repo-server's <see cref="HelmTrim"/> plugin, which renders it the same way and then
/// leaves those objects out.
/// </summary>
internal sealed record ChartSource(ChartPin Pin, string ReleaseName, JsonObject Values)
{
    public IReadOnlyList<Removal> Removals { get; init; } = [];
}

/// <summary>
/// Objects of a chart's output the platform does not take (it provides its own, or nothing needs
/// them): of <paramref name="Kind"/>, named to match <paramref name="Name"/> (an extended regular
/// expression matched whole, without backslashes).
/// </summary>
internal sealed record Removal(string Kind, string Name)
{
    /// <summary>The plugin's form: <c>Kind/pattern</c>.</summary>
    public override string ToString() => $"{Kind}/{Name}";
}

/// <summary>A file of the component's own manifests under <c>&lt;folder&gt;/base/</c>.</summary>
internal sealed record ManifestFile(string Name, IReadOnlyList<object> Objects);

/// <summary>A file beside <c>base/</c> that ArgoCD does not sync (a test suite), by its path in the folder.</summary>
internal sealed record UnsyncedFile(string Path, string Text);

/// <summary>What one Application installs: pinned charts and its own manifests.</summary>
internal sealed record ComponentRender(IReadOnlyList<ChartSource> Charts, IReadOnlyList<ManifestFile> Files)
{
    /// <summary>Fields the cluster fills in that ArgoCD must not report as drift.</summary>
    public IReadOnlyList<IgnoreDifference> IgnoreDifferences { get; init; } = [];

    /// <summary>Delete what it installed when its Application goes (tenants); platform data outlives a deleted Application.</summary>
    public bool Cascade { get; init; }

    public IReadOnlyList<UnsyncedFile> Unsynced { get; init; } = [];
}
