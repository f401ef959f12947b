using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Testing.Tests;

[Collection(ObservabilityDependency.Name)]
public sealed class ObservabilitySmokeTests(PrometheusFixture prometheus, AlertmanagerFixture alertmanager)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_ScrapesATargetTheTestServes()
    {
        var testId = TestEnvironment.UniqueName("t");
        await using var target = await TestHttpServer.StartAsync(app => app.MapGet("/metrics", () =>
            Results.Text("# TYPE helix_smoke_value gauge\nhelix_smoke_value 42\n", "text/plain; version=0.0.4")), Ct);
        await using var file = await prometheus.AddTargetAsync(target.HostAndPort, new Dictionary<string, string> { ["test"] = testId }, Ct);

        var value = await Eventually(async () =>
        {
            var result = await prometheus.QueryAsync($"helix_smoke_value{{test=\"{testId}\"}}", Ct);
            return result.GetArrayLength() == 1 ? result[0].GetProperty("value")[1].GetString() : null;
        });
        Assert.Equal(42, double.Parse(value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Alertmanager_AcceptsAndListsAnAlert()
    {
        var status = await alertmanager.StatusAsync(Ct);
        Assert.Equal("ready", status.GetProperty("cluster").GetProperty("status").GetString() is "disabled" or "ready" ? "ready" : "not ready");

        var testId = TestEnvironment.UniqueName("t");
        await alertmanager.PostAlertsAsync(new[]
        {
            new
            {
                labels = new Dictionary<string, string> { ["alertname"] = "HelixSmoke", ["test"] = testId },
                annotations = new Dictionary<string, string> { ["summary"] = "smoke" },
                startsAt = DateTimeOffset.UtcNow.AddSeconds(-5),
                endsAt = DateTimeOffset.UtcNow.AddMinutes(5),
            },
        }, Ct);

        var alerts = await alertmanager.AlertsAsync("test", testId, Ct);
        var alert = Assert.Single(alerts.EnumerateArray());
        Assert.Equal("HelixSmoke", alert.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("active", alert.GetProperty("status").GetProperty("state").GetString());
    }

    private static async Task<string> Eventually(Func<Task<string?>> probe)
    {
        // Scrape and file_sd refresh run every second in the harness's config.
        for (var i = 0; i < 150; i++)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(200, Ct);
        }
        throw new TimeoutException("Prometheus never returned the test's series");
    }
}
