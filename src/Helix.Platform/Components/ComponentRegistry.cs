using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>Every component of a spec, in the seed's order (install steps 2 to 9).</summary>
internal static class ComponentRegistry
{
    public static IReadOnlyList<IComponent> For(PlatformSpec spec) =>
    [
        new MonitoringCrds(),
        new Cilium(),
        new NetworkPolicies(),
        new Longhorn(),
        new Cnpg(),
        new Redis(),
        new Nats(),
        new CertManager(),
        new Traefik(),
        new Authentik(),
        new ArgoCd(),
        new Devtron(),
        new Observability(),
        new Kyverno(),
        .. spec.Apps.Select(App),
        .. spec.Tenants.Select(t => new Tenant(t)),
        new Ingress(),
    ];

    private static IComponent App(AppSpec app) => app.Kind switch
    {
        AppKind.WebhookReceiver => new WebhookReceiver(app),
        AppKind.Orchestrator => new Orchestrator(app),
        AppKind.Remediation => new Remediation(app),
        AppKind.Ollama => new Ollama(app),
        AppKind.Steel => new Steel(app),
        _ => throw new ArgumentOutOfRangeException(nameof(app), app.Kind, "no component for this kind of app"),
    };
}
