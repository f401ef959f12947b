using Helix.Remediation.Argo;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Remediation.Tests;

/// <summary>
/// ArgoCD cannot run here: its side answers with an Application shaped after ArgoCD's published
/// API (the v1alpha1 Application returned by <c>GET /api/v1/applications/{name}</c>: status.health,
/// status.sync, status.history, status.operationState.syncResult).
/// </summary>
public sealed class ArgoCdClientTests
{
    private const string Degraded = """
        {"metadata":{"name":"shop","namespace":"argocd","annotations":{"notifications.argoproj.io/subscribe.on-deployed.slack":"ops"}},
         "spec":{"project":"apps","sources":[{"repoURL":"https://github.com/acme/gitops.git","path":"gitops/apps/shop/base","targetRevision":"main"}],
                 "destination":{"server":"https://kubernetes.default.svc","namespace":"shop"}},
         "status":{"sync":{"status":"Synced","revision":"ccc3333333333333333333333333333333333333"},
                   "health":{"status":"Degraded","message":"Deployment shop exceeded its progress deadline"},
                   "history":[
                     {"revision":"aaa1111111111111111111111111111111111111","deployedAt":"2026-11-25T09:00:00Z","id":4},
                     {"revision":"bbb2222222222222222222222222222222222222","deployedAt":"2026-11-25T10:00:00Z","id":5},
                     {"revision":"ccc3333333333333333333333333333333333333","deployedAt":"2026-11-25T11:00:00Z","id":6}],
                   "operationState":{"phase":"Succeeded","startedAt":"2026-11-25T10:59:50Z","finishedAt":"2026-11-25T11:00:00Z","syncResult":{"revision":"ccc3333333333333333333333333333333333333"}}}}
        """;

    [Fact]
    public async Task AnApplication_IsReadWithItsHistory_AndTheBadRangeIsTheLastDeployment()
    {
        var auth = "";
        await using var argo = await TestHttpServer.StartAsync(app => app.MapGet("/api/v1/applications/{name}", (HttpContext context, string name) =>
        {
            auth = context.Request.Headers.Authorization.ToString();
            return name == "shop" ? Results.Text(Degraded, "application/json") : Results.Text("""{"error":"permission denied","code":7}""", "application/json", statusCode: 403);
        }), TestContext.Current.CancellationToken);
        var client = new ArgoCdClient(new HttpClient { BaseAddress = argo.BaseAddress }, () => "argocd-token");

        var shop = await client.GetAsync("shop", TestContext.Current.CancellationToken);

        Assert.NotNull(shop);
        Assert.Equal("Degraded", shop.Health);
        Assert.Equal(["gitops/apps/shop/base"], shop.Paths);
        Assert.Equal(("bbb2222222222222222222222222222222222222", "ccc3333333333333333333333333333333333333"), shop.BadRange());
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture), shop.LastDeployedAt);
        Assert.Equal(shop.LastDeployedAt, shop.LastSyncAt);
        Assert.True(shop.AutoRollback);
        Assert.False(shop.Syncing);
        Assert.Equal("Bearer argocd-token", auth);
        Assert.Null(await client.GetAsync("nobody", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void AfterAFailedSync_TheRangeEndsAtTheRevisionTheSyncTried()
    {
        var failed = Degraded.Replace(
            "\"phase\":\"Succeeded\",\"startedAt\":\"2026-11-25T10:59:50Z\",\"finishedAt\":\"2026-11-25T11:00:00Z\","
            + "\"syncResult\":{\"revision\":\"ccc3333333333333333333333333333333333333\"}",
            "\"phase\":\"Failed\",\"startedAt\":\"2026-11-25T11:30:00Z\",\"finishedAt\":\"2026-11-25T11:30:20Z\",\"syncResult\":{\"revision\":\"ddd4444444444444444444444444444444444444\"}",
                StringComparison.Ordinal);
        var app = ArgoCdClient.Parse(System.Text.Json.JsonDocument.Parse(failed).RootElement);
        Assert.Equal(("ccc3333333333333333333333333333333333333", "ddd4444444444444444444444444444444444444"), app.BadRange());
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T11:30:20Z", System.Globalization.CultureInfo.InvariantCulture), app.LastSyncAt);
        Assert.True(app.SyncFailed);
    }

    [Fact]
    public void AnApplicationWithOneDeployment_HasNoRangeToRevert()
    {
        var app = new ArgoApplication("shop", "Degraded", "Synced", null, [new Deployment(1, "aaa", DateTimeOffset.UnixEpoch)], null, null, []);
        Assert.Null(app.BadRange());
    }

    [Fact]
    public void AnApplicationAnnotatedSo_IsOutOfAutomaticRollback()
    {
        var optedOut = Degraded.Replace("\"notifications.argoproj.io/subscribe.on-deployed.slack\":\"ops\"", "\"helix.io/auto-rollback\":\"false\"", StringComparison.Ordinal);
        Assert.False(ArgoCdClient.Parse(System.Text.Json.JsonDocument.Parse(optedOut).RootElement).AutoRollback);
    }
}
