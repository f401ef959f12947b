using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Helix.Hosting.Tests;

public sealed class ServiceDefaultsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Host_AnswersHealthReadinessAndMetrics()
    {
        await using var service = await TestService.Build(map: app => app.MapGet("/hello", () => "hi")).StartAsync();

        Assert.Equal("hi", await service.Client.GetStringAsync(new Uri("/hello", UriKind.Relative), Ct));

        using var health = await service.Client.GetAsync(new Uri(ServiceDefaults.HealthPath, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
        using var healthJson = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Healthy", healthJson.RootElement.GetProperty("status").GetString());

        using var ready = await service.Client.GetAsync(new Uri(ServiceDefaults.ReadyPath, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var readyJson = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Healthy", readyJson.RootElement.GetProperty("checks").GetProperty("draining").GetProperty("status").GetString());

        var metrics = await service.Client.GetStringAsync(new Uri(ServiceDefaults.MetricsPath, UriKind.Relative), Ct);
        Assert.Contains("http_server_request_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/hello\"", metrics, StringComparison.Ordinal);
        // The probes themselves are not counted as traffic.
        var requestCounts = metrics.Split('\n').Where(l => l.StartsWith("http_server_request_duration_seconds_count", StringComparison.Ordinal)).ToList();
        Assert.Contains(requestCounts, l => l.Contains("http_route=\"/hello\"", StringComparison.Ordinal));
        Assert.DoesNotContain(requestCounts, l => l.Contains("/healthz", StringComparison.Ordinal) || l.Contains("/readyz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Readiness_FailsWhenADependencyIsDown_WithoutLeakingTheException()
    {
        await using var service = await TestService.Build(configure: b => b.Services.AddHealthChecks().AddCheck(
            "postgres",
            () => HealthCheckResult.Unhealthy("postgres does not answer",
                new InvalidOperationException("Host=db;Password=hunter2")),
            tags: [ServiceDefaults.ReadyTag])).StartAsync();

        using var ready = await service.Client.GetAsync(new Uri(ServiceDefaults.ReadyPath, UriKind.Relative), Ct);
        var body = await ready.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("postgres does not answer", body, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);

        // Liveness does not depend on dependencies: restarting the pod would not bring postgres back.
        using var health = await service.Client.GetAsync(new Uri(ServiceDefaults.HealthPath, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Shutdown_TurnsNotReadyThenDrainsInFlightRequests()
    {
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var service = await TestService.Build(
            settings: new Dictionary<string, string?> { ["Shutdown:DrainDelay"] = "00:00:03" },
            map: app => app.MapGet("/slow", async () =>
            {
                inFlight.SetResult();
                await release.Task;
                return Results.Text("finished");
            })).StartAsync();

        var slow = service.Client.GetAsync(new Uri("/slow", UriKind.Relative), Ct);
        await inFlight.Task.WaitAsync(Ct);

        var stopping = service.App.StopAsync(Ct);
        HttpStatusCode readiness;
        do
        {
            using var ready = await service.Client.GetAsync(new Uri(ServiceDefaults.ReadyPath, UriKind.Relative), Ct);
            readiness = ready.StatusCode;
        }
        while (readiness == HttpStatusCode.OK && !stopping.IsCompleted);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness);
        Assert.False(stopping.IsCompleted, "the host stopped before the in-flight request finished");

        release.SetResult();
        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("finished", await response.Content.ReadAsStringAsync(Ct));
        await stopping;
    }
}
