using Helix.Platform.Model;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>Seed step 8: the Webhook Receiver, which checks each delivery's signature and stores it in JetStream.</summary>
internal sealed class WebhookReceiver(AppSpec app) : HelixService(app)
{
    /// <summary>Where each source's signing secret is mounted: <c>&lt;root&gt;/&lt;source&gt;/secret</c>.</summary>
    public const string SecretsRoot = "/var/run/secrets/helix/webhooks";

    protected override IReadOnlyList<string> DependsOn => [Nats.Name];

    protected override IEnumerable<DashboardPanel> Panels(string selector) =>
    [
        new("Deliveries by source and outcome", $"sum by (source, outcome) (rate(helix_webhooks_requests_total{{{selector}}}[5m]))", "reqps"),
        new("Enqueue latency p99 by source", $"histogram_quantile(0.99, sum by (le, source) (rate(helix_webhooks_enqueue_duration_seconds_bucket{{{selector}}}[5m])))", "s"),
    ];

    protected override IEnumerable<Flow> Flows(PlatformSpec spec) => [new(App.Name, Nats.Name, Nats.Port, "async enqueue")];

    protected override IEnumerable<SecretNeed> Secrets(PlatformSpec spec) =>
        App.Webhooks.Select(s => new SecretNeed(App.Namespace, s.Secret, ["secret"], SecretCreator.Operator, $"the signing secret of webhook source {s.Name}"));

    protected override IEnumerable<V1EnvVar> Environment(PlatformModel model)
    {
        foreach (var variable in Events(model.Spec))
        {
            yield return variable;
        }
        foreach (var source in App.Webhooks)
        {
            yield return Pods.Env($"Receiver__Sources__{source.Name}__Scheme", Scheme(source.Scheme));
            yield return Pods.Env($"Receiver__Sources__{source.Name}__Secrets__0", SecretFile($"{SecretsRoot}/{source.Name}", "secret"));
            if (source.ReplayWindow is { } window)
            {
                yield return Pods.Env($"Receiver__Sources__{source.Name}__ReplayWindow", SpecLoader.ParseDuration(window).ToString("c", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    protected override IEnumerable<(V1Volume Volume, V1VolumeMount Mount)> Volumes() => App.Webhooks.Select(source => (
        new V1Volume { Name = $"webhook-{source.Name}", Secret = new V1SecretVolumeSource { SecretName = source.Secret, DefaultMode = ReadOnlyMode } },
        new V1VolumeMount { Name = $"webhook-{source.Name}", MountPath = $"{SecretsRoot}/{source.Name}", ReadOnlyProperty = true }));

    /// <summary>The broker and the events stream's replicas, for the receiver and the orchestrator alike.</summary>
    public static IEnumerable<V1EnvVar> Events(PlatformSpec spec)
    {
        yield return Pods.Env("Nats__Url", Nats.Url(spec));
        yield return Pods.Env("Events__Replicas", $"{Math.Min(spec.Nats.Replicas, 3)}");
    }

    /// <summary>The receiver's name for a signing scheme (its <c>SchemeKind</c>).</summary>
    private static string Scheme(WebhookScheme scheme) => scheme switch
    {
        WebhookScheme.StandardWebhooks => "StandardWebhooks",
        WebhookScheme.Github => "GitHub",
        WebhookScheme.Stripe => "Stripe",
        WebhookScheme.Slack => "Slack",
        WebhookScheme.Shopify => "Shopify",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, null),
    };
}
