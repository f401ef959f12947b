using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 4: Argo CD, self-managed: OIDC through Authentik, the Application health check that
/// makes waves wait on child apps, SOPS decryption with the KMS key in the repo-server, and
/// notifications to the Remediation Service.
/// </summary>
internal sealed class ArgoCd : IComponent
{
    public const string Name = "argocd";
    public const string Namespace = "argocd";
    public static readonly ChartPin Pin = new("https://argoproj.github.io/argo-helm", "argo-cd", "10.1.1");
    private const string SopsImage = "ghcr.io/getsops/sops:v3.10.2-alpine";
    public const int Port = 8080;

    /// <summary>The API and UI, as the cluster reaches it (TLS ends at Traefik).</summary>
    public static string ServerUrl => $"http://{Meta.Dns(Server, Namespace)}";

    private const string Server = "argocd-server";
    private const string OidcSecret = "argocd-oidc";
    private const string SopsKmsSecret = "argocd-sops-kms";
    private const string NotificationsSecret = "argocd-notifications-secret";

    /// <summary>The key of <c>argocd-notifications-secret</c> holding the Remediation Service's bearer token.</summary>
    private const string NotificationsTokenKey = "remediation-token";

    public static readonly CrdKind Application = new("argoproj.io", "Application");
    public static readonly CrdKind AppProject = new("argoproj.io", "AppProject");

    public ComponentDeclaration Declare(PlatformSpec spec)
    {
        var gitHost = GitHost(spec);
        return new()
        {
            Name = Name,
            Namespace = Namespace,
            Step = 4,
            Parts = [new(Name, Namespace, "platform", [Cilium.Name])],
            Charts = [Pin],
            Metrics = [new(Name, 8082), new(Name, 8083), new(Name, 8084)],
            PeerFlows =
            [
                PeerFlow.KubernetesApi(Name),
                new(Name, Peer.World, true, [443], "the GitOps repository and chart repositories", [gitHost]) { WithChartRepositories = true },
                // Day one: the repo-server decrypts *.sops.yaml with the KMS key; the server reads its OIDC
                // issuer's discovery document at the issuer's public address (Authentik behind the load balancer).
                new(Name, Peer.World, true, [443], "SOPS decryption with the KMS key", [$"kms.{spec.Infra.Aws.Region}.amazonaws.com"]),
                new(Name, Peer.World, true, [443], "the OIDC issuer (Authentik, at its public address)", [PlatformModel.HostOf(spec, Authentik.Name)]),
            ],
            RouteTargets = [new(Name, Name, Server, Namespace, 80, Port)],
            Secrets =
            [
                new(Namespace, spec.GitOps.CredentialsSecret, ["password", "type", "url", "username"], SecretCreator.Operator, "read access to the GitOps repository"),
                new(Namespace, OidcSecret, ["clientSecret"], SecretCreator.Operator, "Argo CD's OIDC client at Authentik"),
                new(Namespace, SopsKmsSecret, ["AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_SECRET_ACCESS_KEY"], SecretCreator.Operator, "decrypting *.sops.yaml with the KMS key"),
                .. spec.Apps.Where(a => a.Kind == AppKind.Remediation).Select(_ =>
                    new SecretNeed(Namespace, NotificationsSecret, [NotificationsTokenKey], SecretCreator.Operator, "the Remediation Service's notifications token")),
            ],
            CrdsInstalled = [Application, AppProject, new("argoproj.io", "ApplicationSet")],
        };
    }

    /// <summary>The host of the GitOps repository (github.com when the URL does not parse).</summary>
    public static string GitHost(PlatformSpec spec) => Uri.TryCreate(spec.GitOps.RepoUrl, UriKind.Absolute, out var repo) ? repo.Host : "github.com";

    /// <summary>ArgoCD leaves an Application's health out of its parent's; waves need it to wait on child apps.</summary>
    private const string ApplicationHealth = """
        hs = {}
        hs.status = "Progressing"
        hs.message = ""
        if obj.status ~= nil and obj.status.health ~= nil then
          hs.status = obj.status.health.status
          if obj.status.health.message ~= nil then
            hs.message = obj.status.health.message
          end
        end
        return hs
        """;

    /// <summary>The config management plugin that decrypts <c>*.sops.yaml</c> files with the KMS key.</summary>
    public const string SopsPlugin = "sops";

    private static readonly string[] OidcScopes = ["openid", "profile", "email", "groups"];

    public ComponentRender Render(PlatformModel model)
    {
        var spec = model.Spec;
        var host = model.Host(Name);
        var auth = model.Host(Authentik.Name);
        var oidc = YamlWriter.Write(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["name"] = "Authentik",
            ["issuer"] = $"https://{auth}/application/o/argocd/",
            ["clientID"] = "argocd",
            ["clientSecret"] = $"${OidcSecret}:clientSecret",
            ["requestedScopes"] = OidcScopes,
        });
        return new ComponentRender(
        [
            new(Pin, Name, new JsonObject
            {
                ["fullnameOverride"] = Name,
                ["global"] = new JsonObject { ["domain"] = host },
                ["configs"] = new JsonObject
                {
                    ["params"] = new JsonObject { ["server.insecure"] = true }, // TLS ends at Traefik
                    ["cm"] = new JsonObject
                    {
                        ["url"] = $"https://{host}",
                        ["admin.enabled"] = false,
                        ["oidc.config"] = oidc,
                        ["resource.customizations.health.argoproj.io_Application"] = ApplicationHealth,
                        ["application.resourceTrackingMethod"] = "annotation",
                    },
                    ["rbac"] = new JsonObject
                    {
                        ["policy.default"] = "role:readonly",
                        ["policy.csv"] = "g, helix-platform-admins, role:admin\n",
                        ["scopes"] = "[groups]",
                    },
                    ["cmp"] = new JsonObject
                    {
                        ["create"] = true,
                        ["plugins"] = new JsonObject
                        {
                            [SopsPlugin] = new JsonObject
                            {
                                ["generate"] = new JsonObject
                                {
                                    ["command"] = new JsonArray("sh", "-c"),
                                    ["args"] = new JsonArray("set -eu; for f in $(find . -name '*.yaml' | sort); do echo '---'; case \"$f\" in *.sops.yaml) sops --decrypt \"$f\";; *) cat \"$f\";; esac; done"),
                                },
                            },
                        },
                    },
                },
                ["notifications"] = Notifications(model),
                ["controller"] = new JsonObject { ["replicas"] = 1, ["metrics"] = Values.Metrics() },
                ["server"] = new JsonObject { ["replicas"] = 2, ["metrics"] = Values.Metrics() },
                ["applicationSet"] = new JsonObject { ["replicas"] = 2 },
                ["dex"] = new JsonObject { ["enabled"] = false },
                ["redis-ha"] = new JsonObject { ["enabled"] = true },
                ["repoServer"] = new JsonObject
                {
                    ["replicas"] = 2,
                    ["metrics"] = Values.Metrics(),
                    ["extraContainers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = SopsPlugin,
                        ["image"] = SopsImage,
                        ["command"] = new JsonArray("/var/run/argocd/argocd-cmp-server"),
                        // AWS credentials of the IAM identity allowed to decrypt with the SOPS KMS key.
                        ["envFrom"] = new JsonArray(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = SopsKmsSecret } }),
                        ["securityContext"] = new JsonObject { ["runAsNonRoot"] = true, ["runAsUser"] = 999, ["allowPrivilegeEscalation"] = false, ["readOnlyRootFilesystem"] = true },
                        ["volumeMounts"] = new JsonArray(
                            new JsonObject { ["mountPath"] = "/var/run/argocd", ["name"] = "var-files" },
                            new JsonObject { ["mountPath"] = "/home/argocd/cmp-server/plugins", ["name"] = "plugins" },
                            new JsonObject { ["mountPath"] = "/home/argocd/cmp-server/config/plugin.yaml", ["subPath"] = $"{SopsPlugin}.yaml", ["name"] = "argocd-cmp-cm" },
                            new JsonObject { ["mountPath"] = "/tmp", ["name"] = "cmp-tmp" }),
                    }),
                    ["volumes"] = new JsonArray(
                        new JsonObject { ["name"] = "argocd-cmp-cm", ["configMap"] = new JsonObject { ["name"] = "argocd-cmp-cm" } },
                        new JsonObject { ["name"] = "cmp-tmp", ["emptyDir"] = new JsonObject() }),
                },
            }),
        ], []);
    }

    /// <summary>ArgoCD Notifications' webhook service of the Remediation Service (its bearer token is in argocd-notifications-secret).</summary>
    public const string RemediationNotifier = "helix-remediation";

    /// <summary>
    /// ArgoCD Notifications posts to the Remediation Service on three triggers, for every application
    /// (a default subscription): the body is the service's notification format, version 1. The
    /// secret holding the token is the operator's (SOPS), so the chart does not create it.
    /// </summary>
    private static JsonObject Notifications(PlatformModel model)
    {
        var remediation = model.Spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Remediation);
        if (remediation is null)
        {
            return new JsonObject { ["enabled"] = false };
        }
        var host = model.Host(Name);
        var triggers = new (string Name, string Template, string When, string? OncePer)[]
        {
            ("on-health-degraded", "helix-remediation-health-degraded", "app.status.health.status == 'Degraded'", null),
            ("on-sync-failed", "helix-remediation-sync-failed", "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']", null),
            ("on-deployed", "helix-remediation-deployed", "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'", "app.status.operationState?.syncResult?.revision"),
        };
        var templates = new JsonObject();
        var triggerValues = new JsonObject();
        foreach (var (name, template, when, oncePer) in triggers)
        {
            // Go templates over the Application; an absent field renders empty, which the service reads as absent.
            var body = "{\"version\":\"1\",\"trigger\":\"" + name + "\",\"application\":\"{{.app.metadata.name}}\","
                + "\"revision\":\"{{.app.status.sync.revision}}\",\"health\":\"{{.app.status.health.status}}\",\"syncStatus\":\"{{.app.status.sync.status}}\","
                + "\"operationPhase\":\"{{with .app.status.operationState}}{{.phase}}{{end}}\","
                + "\"operationRevision\":\"{{with .app.status.operationState}}{{with .syncResult}}{{.revision}}{{end}}{{end}}\","
                + "\"finishedAt\":\"{{with .app.status.operationState}}{{.finishedAt}}{{end}}\"}";
            templates[$"template.{template}"] = YamlWriter.Write(new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["webhook"] = new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    [RemediationNotifier] = new Dictionary<string, object>(StringComparer.Ordinal) { ["method"] = "POST", ["body"] = body },
                },
            });
            var trigger = new Dictionary<string, object>(StringComparer.Ordinal) { ["description"] = $"{name}, for the Remediation Service", ["send"] = new[] { template }, ["when"] = when };
            if (oncePer is not null)
            {
                trigger["oncePer"] = oncePer;
            }
            triggerValues[$"trigger.{name}"] = YamlWriter.Write(new[] { trigger });
        }
        return new JsonObject
        {
            ["enabled"] = true,
            ["argocdUrl"] = $"https://{host}",
            ["secret"] = new JsonObject { ["create"] = false },
            ["notifiers"] = new JsonObject
            {
                [$"service.webhook.{RemediationNotifier}"] = YamlWriter.Write(new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    ["url"] = $"http://{Meta.Dns(remediation.Name, remediation.Namespace)}{Remediation.ArgoCdSignals}",
                    ["headers"] = new[]
                    {
                        new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = "Authorization", ["value"] = $"Bearer ${NotificationsTokenKey}" },
                        new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = "Content-Type", ["value"] = "application/json" },
                    },
                }),
            },
            ["templates"] = templates,
            ["triggers"] = triggerValues,
            ["subscriptions"] = new JsonArray(new JsonObject
            {
                ["recipients"] = new JsonArray(RemediationNotifier),
                ["triggers"] = new JsonArray([.. triggers.Select(t => (JsonNode)t.Name)]),
            }),
        };
    }
}
