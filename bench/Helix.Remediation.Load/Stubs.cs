using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Helix.Remediation.Load;

/// <summary>
/// ArgoCD's application API and GitHub's pull request API, answering instantly in their published
/// shapes: the benchmark measures the service, not the hosts. Each pull request request completes
/// the waiter of its application.
/// </summary>
internal sealed class Stubs : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _applications = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<DateTimeOffset>> _pulls = new(StringComparer.Ordinal);
    private int _number;
    private WebApplication? _app;

    public Uri Url { get; private set; } = null!;

    public static async Task<Stubs> StartAsync()
    {
        var stubs = new Stubs();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/api/v1/applications/{name}", (string name) =>
            stubs._applications.TryGetValue(name, out var json) ? Results.Text(json, "application/json") : Results.StatusCode(403));
        app.MapGet("/api/v3/repos/acme/gitops/pulls", () => Results.Text("[]", "application/json"));
        app.MapPost("/api/v3/repos/acme/gitops/pulls", async (HttpContext context) =>
        {
            var at = DateTimeOffset.UtcNow;
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var branch = body.RootElement.GetProperty("head").GetString()!;
            var application = branch.Split('/')[2];
            stubs._pulls.GetOrAdd(application, _ => new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(at);
            var number = Interlocked.Increment(ref stubs._number);
            var pull = new JsonObject
            {
                ["id"] = number,
                ["node_id"] = $"PR_{number}",
                ["number"] = number,
                ["html_url"] = $"https://github.com/acme/gitops/pull/{number}",
                ["state"] = "open",
                ["title"] = "rollback",
                ["head"] = new JsonObject { ["ref"] = branch, ["sha"] = "0" },
                ["base"] = new JsonObject { ["ref"] = "main", ["sha"] = "0" },
            };
            return Results.Text(pull.ToJsonString(), "application/json", statusCode: 201);
        });
        app.MapPost("/api/v3/repos/acme/gitops/issues/{number:int}/labels", () => Results.Text("[]", "application/json"));
        await app.StartAsync();
        stubs._app = app;
        stubs.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return stubs;
    }

    /// <summary>The application synced from <paramref name="healthy"/> to <paramref name="bad"/> at <paramref name="syncedAt"/>.</summary>
    public void SetApplication(string name, string healthy, string bad, DateTimeOffset syncedAt)
    {
        static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        _applications[name] = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["source"] = new JsonObject { ["path"] = $"gitops/apps/{name}/base" } },
            ["status"] = new JsonObject
            {
                ["sync"] = new JsonObject { ["status"] = "Synced", ["revision"] = bad },
                ["health"] = new JsonObject { ["status"] = "Degraded" },
                ["history"] = new JsonArray(
                    new JsonObject { ["id"] = 1, ["revision"] = healthy, ["deployedAt"] = Time(syncedAt.AddHours(-2)) },
                    new JsonObject { ["id"] = 2, ["revision"] = bad, ["deployedAt"] = Time(syncedAt) }),
                ["operationState"] = new JsonObject { ["phase"] = "Succeeded", ["finishedAt"] = Time(syncedAt), ["syncResult"] = new JsonObject { ["revision"] = bad } },
            },
        }.ToJsonString();
    }

    /// <summary>When the pull request request for the application arrived.</summary>
    public Task<DateTimeOffset> PullRequestOf(string application) =>
        _pulls.GetOrAdd(application, _ => new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public int PullRequests => _number;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
