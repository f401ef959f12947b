using System.Net;
using System.Net.Http.Json;
using Helix.Platform;
using Helix.Platform.Rendering;
using OrchestratorComponent = Helix.Platform.Components.Orchestrator;
using Helix.Platform.Spec;
using Helix.Testing;
using Helix.Workflows;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Helix.Orchestrator.Tests;

/// <summary>
/// The contract between the compiler and the Orchestrator: the environment Helix renders into its
/// Deployment is its own configuration, bound by the real options classes (unknown keys are
/// errors) and booted as the real service. Only what the cluster provides differs: addresses
/// (broker, database, cache), a one-node stream, the mounted Secret's folder, and the harness's
/// PgBouncer 1.18, which cannot keep prepared statements as the cluster's pooler does.
/// </summary>
[Collection(ServiceDependency.Name)]
public sealed class RenderedConfigurationTests(PostgresFixture postgres, NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static V1Deployment Rendered() =>
        KubernetesYaml.Deserialize<V1Deployment>(GitOpsRenderer.Render(PlatformCompiler.Model(SpecLoader.Load(Path.Combine(TestEnvironment.RepositoryRoot(), "platform", "helix.yaml")).Spec!))
            .Text("gitops/apps/orchestrator/base/deployment.yaml"), strict: true);

    [Fact]
    public async Task TheRenderedEnvironment_StartsTheOrchestrator_WhichRoutesItsEvents_AndRunsWorkflows()
    {
        var deployment = Rendered();
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        var settings = container.Env.ToDictionary(e => e.Name.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
        Assert.Equal("research", settings["Orchestrator:Routes:0:Source"]);
        Assert.Equal("research", settings["Orchestrator:Routes:0:Workflow"]);
        Assert.Equal("http://ollama.ollama.svc.cluster.local:11434", settings["Ollama:Url"]);
        Assert.Equal("http://steel.steel.svc.cluster.local:3000", settings["Steel:Url"]);
        var mount = Assert.Single(container.VolumeMounts, m => m.MountPath == OrchestratorComponent.SecretsRoot);
        Assert.Equal(OrchestratorComponent.Secret, deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).Secret.SecretName);

        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var folder = Directory.CreateTempSubdirectory("helix-rendered-");
        try
        {
            var pooled = new NpgsqlConnectionStringBuilder(TestEnvironment.Require("HELIX_TEST_PGBOUNCER", "PgBouncer"));
            var direct = new NpgsqlConnectionStringBuilder(TestEnvironment.Require("HELIX_TEST_POSTGRES", "PostgreSQL"));
            var password = pooled.Password!;
            pooled.Password = null;
            direct.Password = null;
            // The database password comes through the rendered reference (a file), as in the cluster.
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "database-password"), password + "\n", Ct);
            settings["Database:Password"] = "file:" + Path.Combine(folder.FullName, "database-password");
            settings["Database:ConnectionString"] = pooled.ConnectionString;
            settings["Database:MigrationConnectionString"] = direct.ConnectionString;
            settings["Database:PoolerPreparesStatements"] = "false";
            settings["Database:Schema"] = schema.Name;
            settings["Redis:Configuration"] = TestEnvironment.Require("HELIX_TEST_REDIS", "Redis");
            settings.Remove("Redis:Password"); // the harness's Redis has none
            settings["Nats:Url"] = TestEnvironment.Require("HELIX_TEST_NATS_URL", "NATS");
            settings["Events:Replicas"] = "1";
            settings["Events:StreamName"] = scope.StreamName;
            settings["Events:SubjectPrefix"] = scope.SubjectPrefix;
            settings["Events:BodiesBucket"] = scope.StreamName + "_BODIES";
            settings["Events:MaxBytes"] = (64 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Orchestrator:Consumer"] = scope.StreamName + "_orchestrator";
            settings.Remove("ASPNETCORE_HTTP_PORTS");
            settings.Remove("OTEL_SERVICE_NAME");

            await using var host = await OrchestratorHost.StartAsync(scope, schema, settings, defaults: false);

            using var started = await host.Client.PostAsJsonAsync(new Uri("/v1/runs", UriKind.Relative), new { workflow = "smoke", input = new { steps = 2 } }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            // The rendered route takes the research source's events to the research workflow.
            await OrchestratorHost.PublishAsync(scope, "research", "request", "rendered-1", new { });
            var runs = await host.WaitForRunsAsync(r => r.Count == 2 && r.All(x => RunStatus.IsTerminal(x.Status)));
            Assert.Equal(RunStatus.Completed, runs.Single(r => r.Workflow == "smoke").Status);
            Assert.Contains("the research request has no question", runs.Single(r => r.Workflow == "research").Error, StringComparison.Ordinal);
            // Every workflow the compiler lets the spec name is one this build has.
            Assert.Equal(SpecLoader.OrchestratorWorkflows.Order(), host.Services.GetRequiredService<WorkflowRegistry>().Names.Order());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheRenderedProbesAndPorts_AreTheServicesOwn()
    {
        var container = Assert.Single(Rendered().Spec.Template.Spec.Containers);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("8080", container.Env.Single(e => e.Name == "ASPNETCORE_HTTP_PORTS").Value);
        Assert.Equal(8080, Assert.Single(container.Ports).ContainerPort);
    }
}
