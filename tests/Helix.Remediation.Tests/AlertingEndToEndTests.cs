using System.Text.Json;
using Helix.Remediation.Decisions;
using Helix.Remediation.Git;
using Helix.Remediation.Tests.Support;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Remediation.Tests;

/// <summary>
/// The whole path with the harness's real Prometheus and Alertmanager: a target exposes a metric,
/// a rule fires, Alertmanager posts its webhook (bearer token from a file) to the service, and the
/// service pushes the revert branch to the real git server and sends one pull request request.
/// </summary>
[Collection(AlertingDependency.Name)]
public sealed class AlertingEndToEndTests(PostgresFixture postgres, GitFixture git, PrometheusFixture prometheus, AlertmanagerFixture alertmanager)
{
    private const string Values = "gitops/apps/shop/base/deployment.yaml";

    [Fact]
    public async Task AFiringRule_BecomesARevertBranch_AndExactlyOnePullRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        using var repo = git.CreateBareRepository();
        var scratch = Directory.CreateTempSubdirectory("helix-e2e-");
        await using var schema = await postgres.CreateSchemaAsync(ct);
        await using var argo = await ArgoCdStub.StartAsync();
        await using var github = await GitHubStub.StartAsync();
        using var history = new GitHistory(repo, Path.Combine(scratch.FullName, "author"));
        try
        {
            var healthy = history.Commit("shop 1.0", (Values, "image: shop:1.0\n"));
            var bad = history.Commit("shop 1.1", (Values, "image: shop:1.1\n"));
            argo.Set("shop", "Healthy", [(healthy, DateTimeOffset.UtcNow.AddHours(-1)), (bad, DateTimeOffset.UtcNow.AddSeconds(-5))], "gitops/apps/shop/base");
            await using var host = await RemediationHost.StartAsync(schema, repo, argo, github);

            var test = TestEnvironment.UniqueName("e2e");
            await using var target = await TestHttpServer.StartAsync(app => app.MapGet("/metrics", () =>
                Results.Text("# TYPE shop_http_error_ratio gauge\nshop_http_error_ratio 0.2\n", "text/plain; version=0.0.4")), ct);
            await using var route = await alertmanager.RouteToWebhookAsync("test", test, new Uri(host.Client.BaseAddress!, "/v1/signals/alertmanager"), host.AlertmanagerTokenFile, ct);
            await using var scrape = await prometheus.AddTargetAsync(target.HostAndPort, new Dictionary<string, string> { ["test"] = test }, ct);
            await using var rules = await prometheus.AddRulesAsync($$"""
                groups:
                  - name: {{test}}
                    rules:
                      - alert: ShopErrors
                        expr: shop_http_error_ratio{test="{{test}}"} > 0.05
                        labels:
                          helix_app: shop
                        annotations:
                          summary: more than 5% of requests fail
                """, ct);

            var decisions = await host.WaitForDecisionAsync("shop", d => d.Outcome == DecisionLog.Acted, seconds: 90);

            var acted = decisions.Single(d => d.Outcome == DecisionLog.Acted);
            Assert.Equal(RollbackRepository.BranchName("shop", bad), acted.Branch);
            Assert.Equal("image: shop:1.0\n", history.RemoteFile(acted.Branch!, Values));
            // Alertmanager keeps notifying while the alert fires; those are duplicates.
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var created = Assert.Single(github.Created);
            using var pull = JsonDocument.Parse(created.Body);
            Assert.Contains("alert `ShopErrors`: more than 5% of requests fail", pull.RootElement.GetProperty("body").GetString(), StringComparison.Ordinal);
            Assert.Equal([acted.Branch!], history.RemoteRollbackBranches());
        }
        finally
        {
            foreach (var file in scratch.EnumerateFiles("*", SearchOption.AllDirectories))
            {
                file.Attributes = FileAttributes.Normal;
            }
            scratch.Delete(recursive: true);
        }
    }
}
