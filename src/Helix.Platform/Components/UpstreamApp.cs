using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// An app of the AI tier (seed step 8) that is not Helix's own: an upstream image in the app zone,
/// in the platform's project, reached by the orchestrator on its <see cref="ServedPort"/>.
/// </summary>
internal abstract class UpstreamApp(AppSpec app) : IComponent
{
    protected AppSpec App { get; } = app;

    protected abstract int ServedPort { get; }

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = App.Name,
        Namespace = App.Namespace,
        Step = 8,
        Parts =
        [
            new(App.Name, App.Namespace, "app", [Kyverno.Engine])
            {
                PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/name"] = App.Name },
            },
        ],
        PeerFlows = App.Egress ? [PeerFlow.ThroughEgressGateway(App.Name)] : [],
        RouteTargets = [new(App.Name, App.Name, App.Name, App.Namespace, ServedPort, ServedPort)],
        NodePools = [NodeRole.Compute],
        Storage = Storage(),
    };

    protected virtual IReadOnlyList<StorageClaim> Storage() => [];

    public abstract ComponentRender Render(PlatformModel model);
}
