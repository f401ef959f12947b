using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 8: the Remediation Service, which turns Alertmanager alerts and Argo CD notifications
/// about an application into one rollback pull request against the GitOps repository.
/// </summary>
internal sealed class Remediation(AppSpec app) : HelixService(app)
{
    /// <summary>The Secret an operator creates (SOPS); its keys are named in <see cref="Secrets"/>.</summary>
    public const string Secret = "remediation";

    /// <summary>Where <see cref="Secret"/> is mounted.</summary>
    public const string SecretsRoot = "/var/run/secrets/helix/remediation";

    /// <summary>The alert label naming the ArgoCD application: Alertmanager routes on it, the service reads it.</summary>
    public const string ApplicationLabel = "helix_app";

    /// <summary>Its Argo CD account: an API key that may read applications (their history), nothing else.</summary>
    public const string ArgoCdAccount = "helix-remediation";

    public const string AlertmanagerSignals = "/v1/signals/alertmanager";
    public const string ArgoCdSignals = "/v1/signals/argocd";

    private const string WorkRoot = "/var/lib/helix-remediation";

    protected override IReadOnlyList<string> DependsOn => [ArgoCd.Name, Cnpg.Pooler];

    protected override (string Name, string Root)? OwnSecret => (Secret, SecretsRoot);

    protected override IEnumerable<DashboardPanel> Panels(string selector) =>
    [
        new("Signals by source and result", $"sum by (source, result) (rate(helix_remediation_signals_total{{{selector}}}[5m]))", "ops"),
        new("Requests refused by reason", $"sum by (source, reason) (rate(helix_remediation_refused_total{{{selector}}}[5m]))", "ops"),
        new("Decisions by outcome", $"sum by (outcome) (increase(helix_remediation_decisions_total{{{selector}}}[1h]))", "short"),
    ];

    protected override IEnumerable<Flow> Flows(PlatformSpec spec)
    {
        yield return new(App.Name, ArgoCd.Name, ArgoCd.Port, "application state");
        foreach (var flow in DatabaseFlows("decision log"))
        {
            yield return flow;
        }
        yield return new(Observability.Prometheus, App.Name, HttpPort, "Alertmanager webhooks");
        yield return new(ArgoCd.Name, App.Name, HttpPort, "ArgoCD notifications");
    }

    protected override IEnumerable<PeerFlow> WorldEgress(PlatformSpec spec)
    {
        var gitHost = ArgoCd.GitHost(spec);
        yield return new(App.Name, Peer.World, true, [443], "pull requests on the Git host", [gitHost, $"api.{gitHost}"]);
    }

    protected override IEnumerable<SecretNeed> Secrets(PlatformSpec spec) =>
    [
        new(App.Namespace, Secret, ["alertmanager-token", "argocd-notifications-token", "argocd-token", "database-password", "git-token"], SecretCreator.Operator,
            "its signal tokens, Argo CD read token, Git token and database role's password")
        {
            Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal)
            {
                ["alertmanager-token"] = KeySource.Same(Observability.Namespace, Observability.RemediationWebhookSecret, "token"),
                ["argocd-notifications-token"] = KeySource.Same(ArgoCd.Namespace, ArgoCd.NotificationsSecret, ArgoCd.NotificationsTokenKey),
                ["argocd-token"] = KeySource.Issued($"an Argo CD API token of its account (argocd account generate-token --account {ArgoCdAccount})"),
                ["database-password"] = KeySource.Same(Cnpg.Namespace, Cnpg.RoleSecret(App.Name), "password"),
                ["git-token"] = KeySource.Issued("the Git host's token for opening rollback pull requests"),
            },
        },
    ];

    protected override IEnumerable<(V1Volume Volume, V1VolumeMount Mount)> Volumes() =>
    [
        // The working clone of the GitOps repository; re-cloned after a restart.
        (new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("2Gi") } },
            new V1VolumeMount { Name = "work", MountPath = WorkRoot }),
    ];

    /// <summary>The guard rails on-call may flip without a restart: the kill switch and dry run, auto-merge, the cooldown.</summary>
    protected override JsonObject RuntimeSettings(PlatformModel model)
    {
        var remediation = App.Remediation ?? new RemediationSpec();
        return new JsonObject
        {
            ["Remediation"] = new JsonObject
            {
                ["Mode"] = remediation.Mode.ToString(),
                ["AutoMerge"] = remediation.AutoMerge,
                ["Cooldown"] = SpecLoader.ParseDuration(remediation.Cooldown).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    protected override IEnumerable<V1EnvVar> Environment(PlatformModel model)
    {
        var spec = model.Spec;
        var repository = new Uri(spec.GitOps.RepoUrl);
        var segments = repository.AbsolutePath.Trim('/').Split('/');
        string Secret(string key) => SecretFile(SecretsRoot, key);
        yield return Pods.Env("Remediation__ApplicationLabel", ApplicationLabel);
        yield return Pods.Env("Remediation__WorkDirectory", $"{WorkRoot}/gitops");
        yield return Pods.Env("Signals__AlertmanagerTokens__0", Secret("alertmanager-token"));
        yield return Pods.Env("Signals__ArgoCdTokens__0", Secret("argocd-notifications-token"));
        yield return Pods.Env("ArgoCd__Url", ArgoCd.ServerUrl);
        yield return Pods.Env("ArgoCd__Token", Secret("argocd-token"));
        yield return Pods.Env("ArgoCd__PublicUrl", $"https://{model.Host(ArgoCd.Name)}/");
        yield return Pods.Env("Git__Url", spec.GitOps.RepoUrl);
        yield return Pods.Env("Git__Branch", spec.GitOps.Branch);
        yield return Pods.Env("Git__Token", Secret("git-token"));
        // github.com takes GitHub's API; any other host is taken for Gitea or Forgejo at its root.
        if (repository.Host == "github.com")
        {
            yield return Pods.Env("PullRequests__Provider", "GitHub");
        }
        else
        {
            yield return Pods.Env("PullRequests__Provider", "Gitea");
            yield return Pods.Env("PullRequests__ApiUrl", $"{repository.Scheme}://{repository.Authority}/");
        }
        yield return Pods.Env("PullRequests__Owner", segments[0]);
        yield return Pods.Env("PullRequests__Repository", segments[^1].EndsWith(".git", StringComparison.Ordinal) ? segments[^1][..^4] : segments[^1]);
        foreach (var variable in DatabaseEnvironment(SecretsRoot))
        {
            yield return variable;
        }
    }
}
