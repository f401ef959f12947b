using System.Net;
using Helix.Platform;
using Helix.Platform.Rendering;
using RemediationComponent = Helix.Platform.Components.Remediation;
using Helix.Platform.Spec;
using Helix.Remediation.Tests.Support;
using Helix.Testing;
using k8s;
using k8s.Models;

namespace Helix.Remediation.Tests;

/// <summary>
/// The contract between the compiler and the service: the environment Helix renders into the
/// Remediation Service's Deployment is the service's own configuration. It is bound by the real
/// options classes (unknown keys are errors) and boots the real service; only what the cluster
/// provides differs: addresses (database, ArgoCD, git host), and the mounted Secret's folder.
/// </summary>
[Collection(ServiceDependency.Name)]
public sealed class RenderedConfigurationTests(PostgresFixture postgres, GitFixture git)
{
    private static V1Deployment Rendered(PlatformSpec spec) =>
        KubernetesYaml.Deserialize<V1Deployment>(GitOpsRenderer.Render(PlatformCompiler.Model(spec)).Text("gitops/apps/remediation/base/deployment.yaml"), strict: true);

    /// <summary>The runtime settings file as the ConfigMap delivers it.</summary>
    private static string RenderedSettings(PlatformSpec spec)
    {
        var map = KubernetesYaml.Deserialize<V1ConfigMap>(GitOpsRenderer.Render(PlatformCompiler.Model(spec)).Text("gitops/apps/remediation/base/settings.yaml"), strict: true);
        return map.Data[RemediationComponent.SettingsFile];
    }

    private static PlatformSpec ReferenceSpec() => SpecLoader.Load(Path.Combine(TestEnvironment.RepositoryRoot(), "platform", "helix.yaml")).Spec!;

    [Fact]
    public async Task TheRenderedEnvironment_StartsTheService_AndItAcceptsAnAlert()
    {
        var ct = TestContext.Current.CancellationToken;
        var deployment = Rendered(ReferenceSpec());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        var settings = container.Env.ToDictionary(e => e.Name.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
        // The guard rails live in the runtime settings file only: the environment would shadow a change.
        Assert.DoesNotContain("Remediation:Mode", settings.Keys);
        Assert.Equal($"{RemediationComponent.SettingsRoot}/{RemediationComponent.SettingsFile}", settings[Hosting.RuntimeSettings.FileKey]);
        var settingsMount = Assert.Single(container.VolumeMounts, m => m.MountPath == RemediationComponent.SettingsRoot);
        Assert.Null(settingsMount.SubPath); // kubelet never updates a subPath mount
        Assert.Equal("remediation-settings", deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == settingsMount.Name).ConfigMap.Name);
        var file = System.Text.Json.Nodes.JsonNode.Parse(RenderedSettings(ReferenceSpec()))!;
        Assert.Equal("Act", (string?)file["Remediation"]!["Mode"]);
        Assert.Equal(RemediationComponent.ApplicationLabel, settings["Remediation:ApplicationLabel"]);
        Assert.Equal("helix-platform", settings["PullRequests:Owner"]);
        Assert.Equal("platform", settings["PullRequests:Repository"]);
        // Every secret is a file of the mounted Secret, and the Secret is mounted there.
        var mount = Assert.Single(container.VolumeMounts, m => m.MountPath == RemediationComponent.SecretsRoot);
        Assert.Equal(RemediationComponent.Secret, deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).Secret.SecretName);
        var references = settings.Where(s => s.Value?.StartsWith("file:", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(5, references.Count);
        Assert.All(references, r => Assert.StartsWith($"file:{RemediationComponent.SecretsRoot}/", r.Value, StringComparison.Ordinal));

        using var repo = git.CreateBareRepository();
        await using var schema = await postgres.CreateSchemaAsync(ct);
        await using var argo = await ArgoCdStub.StartAsync();
        await using var github = await GitHubStub.StartAsync();
        var folder = Directory.CreateTempSubdirectory("helix-rendered-");
        try
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["alertmanager-token"] = RemediationHost.AlertmanagerToken,
                ["argocd-notifications-token"] = RemediationHost.ArgoNotificationsToken,
                ["argocd-token"] = ArgoCdStub.Token,
                ["git-token"] = repo.Credentials.Password,
                ["database-password"] = "unused-the-harness-trusts-loopback",
            };
            foreach (var (key, reference) in references)
            {
                var name = Path.GetFileName(reference!);
                var path = Path.Combine(folder.FullName, name);
                await File.WriteAllTextAsync(path, values[name] + "\n", ct);
                settings[key] = "file:" + path;
            }
            settings.Remove("ASPNETCORE_HTTP_PORTS");
            settings.Remove("OTEL_SERVICE_NAME");
            settings.Remove("Database:Password");
            settings["Database:ConnectionString"] = TestEnvironment.Require("HELIX_TEST_PGBOUNCER", "PgBouncer");
            settings["Database:MigrationConnectionString"] = TestEnvironment.Require("HELIX_TEST_POSTGRES", "PostgreSQL");
            settings["Database:Schema"] = schema.Name;
            settings["ArgoCd:Url"] = argo.Url.ToString();
            settings["Git:Url"] = repo.Url.ToString();
            settings["Git:Username"] = repo.Credentials.Username;
            settings["PullRequests:ApiUrl"] = github.ApiUrl.ToString();
            settings["Remediation:WorkDirectory"] = Path.Combine(folder.FullName, "work");
            var settingsFile = Path.Combine(folder.FullName, RemediationComponent.SettingsFile);
            await File.WriteAllTextAsync(settingsFile, RenderedSettings(ReferenceSpec()), ct);
            settings[Hosting.RuntimeSettings.FileKey] = settingsFile;

            await using var host = await RemediationHost.StartAsync(schema, repo, argo, github, settings, defaults: false);
            using (var ready = await host.Client.GetAsync(new Uri("/readyz", UriKind.Relative), ct))
            {
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }
            using var accepted = await host.PostAlertsAsync(Alerts.Body("shop", "f1", DateTimeOffset.UtcNow));
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Single(await host.Log.ActiveSignalsAsync("shop", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5), ct));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheSpecsRemediationSettings_ReachTheService()
    {
        var spec = ReferenceSpec();
        spec = spec with
        {
            Apps = [.. spec.Apps.Select(a => a.Kind == AppKind.Remediation ? a with { Remediation = new RemediationSpec { Mode = RemediationMode.DryRun, AutoMerge = true, Cooldown = "90m" } } : a)],
        };
        var settings = System.Text.Json.Nodes.JsonNode.Parse(RenderedSettings(spec))!["Remediation"]!;
        Assert.Equal("DryRun", (string?)settings["Mode"]);
        Assert.True((bool)settings["AutoMerge"]!);
        Assert.Equal("01:30:00", (string?)settings["Cooldown"]);
        Assert.True(Enum.TryParse<Configuration.RemediationMode>((string?)settings["Mode"], out _));
    }

    [Fact]
    public void ArgoCdNotifications_PostTheServicesFormat_ToItsRoute()
    {
        var argocd = GitOpsRenderer.Render(PlatformCompiler.Model(ReferenceSpec())).Text("gitops/platform/argocd/application.yaml");
        Assert.Contains("url: http://remediation.helix-remediation.svc.cluster.local/v1/signals/argocd", argocd, StringComparison.Ordinal);
        Assert.Contains("value: Bearer $remediation-token", argocd, StringComparison.Ordinal);
        foreach (var trigger in new[] { "on-health-degraded", "on-sync-failed", "on-deployed" })
        {
            // The template's body, with Argo's fields filled as it would, is what the service parses.
            var body = $$"""
                {"version":"1","trigger":"{{trigger}}","application":"shop","revision":"abc","health":"Degraded","syncStatus":"Synced",
                "operationPhase":"Failed","operationRevision":"abc","finishedAt":"2026-11-25T10:00:00Z"}
                """;
            var template = $$$"""{"version":"1","trigger":"{{{trigger}}}","application":"{{.app.metadata.name}}",""";
            Assert.Contains(template, argocd, StringComparison.Ordinal);
            var notice = Signals.ArgoNotification.Parse(System.Text.Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow);
            Assert.Equal(trigger, notice.Trigger);
        }
    }
}
