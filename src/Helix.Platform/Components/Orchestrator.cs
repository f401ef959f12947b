using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>Seed step 8: the Orchestrator, which runs durable workflows for the events the receiver stores.</summary>
internal sealed class Orchestrator(AppSpec app) : HelixService(app)
{
    /// <summary>The Secret an operator creates (SOPS): <c>database-password</c>, <c>redis-password</c>.</summary>
    public const string Secret = "orchestrator";

    /// <summary>Where <see cref="Secret"/> is mounted.</summary>
    public const string SecretsRoot = "/var/run/secrets/helix/orchestrator";

    protected override IReadOnlyList<string> DependsOn => [Nats.Name, Cnpg.Pooler, Redis.Name];

    protected override (string Name, string Root)? OwnSecret => (Secret, SecretsRoot);

    protected override IEnumerable<AlertRuleGroup> AlertGroups() => [Alerts.Runs(App)];

    protected override IEnumerable<DashboardPanel> Panels(string selector) =>
    [
        new("Queue lag (events waiting)", $"max(helix_orchestrator_queue_pending{{{selector}}})", "short"),
        new("Events by outcome", $"sum by (outcome) (rate(helix_orchestrator_events_total{{{selector}}}[5m]))", "ops"),
        new("Runs by workflow and outcome", $"sum by (workflow, outcome) (rate(helix_workflows_runs_total{{{selector}}}[5m]))", "ops"),
        new("Runs executing", $"sum(helix_orchestrator_runs_active{{{selector}}})", "short"),
    ];

    protected override IEnumerable<Flow> Flows(PlatformSpec spec)
    {
        yield return new(App.Name, Nats.Name, Nats.Port, "job dispatch");
        foreach (var flow in DatabaseFlows("db write"))
        {
            yield return flow;
        }
        yield return new(App.Name, Redis.Name, Redis.Port, "cache r/w");
        foreach (var ollama in spec.Apps.Where(a => a.Kind == AppKind.Ollama))
        {
            yield return new(App.Name, ollama.Name, Ollama.Port, "inference");
        }
        foreach (var steel in spec.Apps.Where(a => a.Kind == AppKind.Steel))
        {
            yield return new(App.Name, steel.Name, Steel.Port, "browser sessions");
        }
    }

    protected override IEnumerable<SecretNeed> Secrets(PlatformSpec spec) =>
    [
        new(App.Namespace, Secret, ["database-password", "redis-password"], SecretCreator.Operator, "its database role's and Redis' passwords")
        {
            Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal)
            {
                ["database-password"] = KeySource.Same(Cnpg.Namespace, Cnpg.RoleSecret(App.Name), "password"),
                ["redis-password"] = KeySource.Same(Redis.Namespace, Redis.AuthSecret, "password"),
            },
        },
    ];

    protected override IEnumerable<V1EnvVar> Environment(PlatformModel model)
    {
        var spec = model.Spec;
        foreach (var variable in WebhookReceiver.Events(spec))
        {
            yield return variable;
        }
        for (var i = 0; i < App.Events.Count; i++)
        {
            yield return Pods.Env($"Orchestrator__Routes__{i}__Source", App.Events[i].Source);
            yield return Pods.Env($"Orchestrator__Routes__{i}__EventType", App.Events[i].Type);
            yield return Pods.Env($"Orchestrator__Routes__{i}__Workflow", App.Events[i].Workflow);
        }
        foreach (var variable in DatabaseEnvironment(SecretsRoot))
        {
            yield return variable;
        }
        // The CNPG pooler keeps prepared statements per server connection (max_prepared_statements).
        yield return Pods.Env("Database__PoolerPreparesStatements", "true");
        yield return Pods.Env("Redis__Configuration", $"{Redis.Host}:{Redis.Port}");
        yield return Pods.Env("Redis__Password", SecretFile(SecretsRoot, "redis-password"));
        if (spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Ollama) is { } ollama)
        {
            yield return Pods.Env("Ollama__Url", $"http://{Meta.Dns(ollama.Name, ollama.Namespace)}:{Ollama.Port}");
            if (ollama.Models.Count > 0)
            {
                // The default model is the first Ollama pulls at start-up: it is on the volume before the server answers.
                yield return Pods.Env("Ollama__Model", ollama.Models[0]);
            }
        }
        if (spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Steel) is { } steel)
        {
            yield return Pods.Env("Steel__Url", $"http://{Meta.Dns(steel.Name, steel.Namespace)}:{Steel.Port}");
        }
    }
}
