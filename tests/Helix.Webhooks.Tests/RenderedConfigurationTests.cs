using System.Net;
using System.Security.Cryptography;
using System.Text;
using Helix.Platform;
using Helix.Platform.Rendering;
using Helix.Platform.Components;
using Helix.Platform.Spec;
using Helix.Testing;
using k8s;
using k8s.Models;

namespace Helix.Webhooks.Tests;

/// <summary>
/// The contract between the compiler and the receiver: the environment Helix renders into the
/// receiver's Deployment is the receiver's own configuration. It is bound by the real options
/// classes and boots the real receiver against the harness's NATS; only what a cluster provides
/// differs (the broker's address, a single-node stream, the mounted secret files' folder).
/// </summary>
[Collection(NatsDependency.Name)]
public sealed class RenderedConfigurationTests(NatsFixture nats)
{
    private static V1Deployment RenderedReceiver()
    {
        var spec = SpecLoader.Load(Path.Combine(TestEnvironment.RepositoryRoot(), "platform", "helix.yaml")).Spec!;
        var files = GitOpsRenderer.Render(PlatformCompiler.Model(spec));
        return KubernetesYaml.Deserialize<V1Deployment>(files.Text("gitops/apps/webhook-receiver/base/deployment.yaml"), strict: true);
    }

    [Fact]
    public async Task TheRenderedEnvironment_StartsTheReceiver_AndItsGitHubSourceAcceptsASignedDelivery()
    {
        var deployment = RenderedReceiver();
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        var mounts = container.VolumeMounts.ToDictionary(m => m.Name, m => m.MountPath);
        var secrets = Directory.CreateTempSubdirectory("helix-rendered-");
        try
        {
            // Each webhook Secret is mounted where the rendered reference points: write the same layout here.
            var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            foreach (var volume in deployment.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null))
            {
                var folder = Path.Combine(secrets.FullName, mounts[volume.Name].TrimStart('/'));
                Directory.CreateDirectory(folder);
                await File.WriteAllTextAsync(Path.Combine(folder, "secret"), key, TestContext.Current.CancellationToken);
            }
            var settings = container.Env.ToDictionary(e => e.Name.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
            Assert.Equal("GitHub", settings["Receiver:Sources:github:Scheme"]);
            Assert.Equal($"file:{WebhookReceiver.SecretsRoot}/github/secret", settings["Receiver:Sources:github:Secrets:0"]);
            Assert.StartsWith("nats://nats.nats.svc.cluster.local:", settings["Nats:Url"], StringComparison.Ordinal);
            foreach (var (name, value) in settings.ToList())
            {
                if (value?.StartsWith("file:/", StringComparison.Ordinal) == true)
                {
                    settings[name] = "file:" + Path.Combine(secrets.FullName, value["file:/".Length..]);
                }
            }
            var scope = nats.CreateScope();
            settings["Nats:Url"] = nats.Client.Connection.Opts.Url;
            settings["Events:Replicas"] = "1"; // the harness runs one nats-server
            settings.Remove("ASPNETCORE_HTTP_PORTS");
            settings.Remove("OTEL_SERVICE_NAME");

            await using var host = await ReceiverHost.StartAsync(nats.Client.Connection.Opts.Url, scope.StreamName, scope.SubjectPrefix, settings);
            const string Body = """{"ref":"refs/heads/main"}""";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/github") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
            request.Headers.Add("X-GitHub-Event", "push");
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(Body))));
            using var response = await host.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Single(await host.ReadStreamAsync());
        }
        finally
        {
            secrets.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheRenderedProbes_AreTheReceiversHealthEndpoints()
    {
        var container = Assert.Single(RenderedReceiver().Spec.Template.Spec.Containers);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(8080, Assert.Single(container.Ports).ContainerPort);
        Assert.Equal("8080", container.Env.Single(e => e.Name == "ASPNETCORE_HTTP_PORTS").Value);
    }
}
