using Helix.Platform.Model;

namespace Helix.Platform.Tests;

public sealed class ModelTests
{
    private static PlatformModel Reference() => ReferenceSpec.Model;

    [Fact]
    public void Steps_AreTheSeedsNine_TerraformFirst_ThenOneSyncWaveEach()
    {
        var model = Reference();
        Assert.Equal(Enumerable.Range(1, 9), model.Steps.Select(s => s.Number));
        Assert.Equal(Owner.Terraform, model.Steps[0].Owner);
        Assert.Null(model.Steps[0].SyncWave);
        Assert.All(model.Steps.Skip(1), s => Assert.Equal(s.Number * 10, s.SyncWave));
        Assert.Equal(["monitoring-crds", "cilium", "network-policies", "longhorn", "cnpg", "postgres", "postgres-pooler", "postgres-pooler-session", "redis", "nats"], model.Steps[1].Parts);
        Assert.Equal(["argocd"], model.Steps[3].Parts);
        Assert.Equal(["kyverno"], model.Steps[6].Parts);
        Assert.Contains("acme", model.Steps[7].Parts);
    }

    [Fact]
    public void EveryDependency_IsInstalledInTheSameOrAnEarlierStep_SaveCnpgsBackupPluginWaitingForCertManager()
    {
        var model = Reference();
        var later = new List<string>();
        foreach (var component in model.Parts)
        {
            foreach (var dependency in component.DependsOn.Where(d => model.Part(d).Step > component.Step))
            {
                later.Add($"{component.Name}->{dependency}");
            }
        }
        // The Barman Cloud plugin's TLS comes from cert-manager (step 3): CNPG's Application waits for it by wave.
        Assert.Equal(["cnpg->cert-manager"], later);
        Assert.True(model.Application("cnpg").Wave > model.Application("cert-manager").Wave);
        var order = model.InstallOrder().Select(c => c.Name).ToList();
        Assert.True(order.IndexOf("postgres") < order.IndexOf("postgres-pooler"));
        Assert.True(order.IndexOf("traefik") < order.IndexOf("authentik"));
        Assert.Equal("ingress", order[^1]);
    }

    [Fact]
    public void Components_HaveUniqueNames_AndOneOwnerEach_TenantsOwnedByDevtron()
    {
        var model = Reference();
        Assert.Equal(model.Parts.Count, model.Parts.Select(c => c.Name).Distinct().Count());
        Assert.Equal(Owner.Devtron, model.Part("acme").Owner);
        Assert.All(model.Parts.Where(c => c.Name != "acme"), c => Assert.Equal(Owner.GitOps, c.Owner));
        Assert.Empty(model.TerraformResources.Intersect(model.Parts.Select(c => c.Name)));
    }

    [Fact]
    public void Flows_CarryTheSeedsArrows()
    {
        var flows = Reference().Flows.Select(f => (f.From, f.To, f.Port)).ToHashSet();
        Assert.Contains(("webhook-receiver", "nats", 4222), flows); // async enqueue
        Assert.Contains(("orchestrator", "nats", 4222), flows); // job dispatch
        Assert.Contains(("orchestrator", "ollama", 11434), flows); // inference
        Assert.Contains(("orchestrator", "postgres-pooler", 5432), flows); // db write
        Assert.Contains(("postgres-pooler", "postgres", 5432), flows);
        Assert.Contains(("orchestrator", "redis", 6379), flows); // cache r/w
        Assert.Contains(("traefik", "authentik", 9000), flows); // ForwardAuth
        Assert.Contains(("devtron", "argocd", 8080), flows); // management
        Assert.Contains(("traefik", "monitoring", 3000), flows); // the grafana route
        Assert.Contains(("monitoring", "webhook-receiver", 8080), flows); // metrics
        Assert.Contains(("acme", "postgres-pooler", 5432), flows); // the tenant's declared flow
        Assert.DoesNotContain(flows, f => f.From == "acme" && f.To == "nats");
    }

    [Fact]
    public void TenantsAndApps_LandInTheirZones()
    {
        var model = Reference();
        Assert.Equal("app", model.Part("acme").Zone);
        Assert.Equal("app", model.Part("orchestrator").Zone);
        Assert.Equal("db", model.Part("postgres").Zone);
        Assert.Equal("platform", model.Part("traefik").Zone);
    }

    [Fact]
    public void Graph_IsDeterministic_AndHasEveryComponentAndFlow()
    {
        var model = Reference();
        var graph = MermaidGraph.Render(model);
        Assert.Equal(graph, MermaidGraph.Render(Reference()));
        Assert.All(model.Parts, c => Assert.Contains($"[\"{c.Name}<br/>", graph, StringComparison.Ordinal));
        Assert.Contains("webhook_receiver -->|\"4222 async enqueue\"| nats", graph, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", graph, StringComparison.Ordinal);
    }
}
