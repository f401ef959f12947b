using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Remediation.Tests.Support;

/// <summary>
/// ArgoCD cannot run here: its API answers with Applications shaped after ArgoCD's published
/// v1alpha1 Application (<c>GET /api/v1/applications/{name}</c>), as the test sets them.
/// </summary>
internal sealed class ArgoCdStub : IAsyncDisposable
{
    public const string Token = "argocd-contract-token-7d1e";

    private readonly ConcurrentDictionary<string, string> _applications = new(StringComparer.Ordinal);
    private TestHttpServer? _server;

    public Uri Url => _server!.BaseAddress;

    public int Requests { get; private set; }

    public static async Task<ArgoCdStub> StartAsync()
    {
        var stub = new ArgoCdStub();
        stub._server = await TestHttpServer.StartAsync(app => app.MapGet("/api/v1/applications/{name}", (HttpContext context, string name) =>
        {
            stub.Requests++;
            if (context.Request.Headers.Authorization != $"Bearer {Token}")
            {
                return Results.Text("""
                    {"error":"invalid session: token signature is invalid","code":16,"message":"invalid session: token signature is invalid"}
                    """, "application/json", statusCode: 401);
            }
            return stub._applications.TryGetValue(name, out var json)
                ? Results.Text(json, "application/json")
                : Results.Text("""{"error":"permission denied","code":7,"message":"permission denied"}""", "application/json", statusCode: 403);
        }), TestContext.Current.CancellationToken);
        return stub;
    }

    /// <summary>An application synced to the last of <paramref name="history"/>, with its health and last operation.</summary>
    public void Set(string name, string health, IReadOnlyList<(string Revision, DateTimeOffset DeployedAt)> history, string path,
        string operationPhase = "Succeeded", string? operationRevision = null, DateTimeOffset? finishedAt = null, bool optedOut = false)
    {
        static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var last = history[^1];
        var annotations = new JsonObject();
        if (optedOut)
        {
            annotations["helix.io/auto-rollback"] = "false";
        }
        var app = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "argocd", ["annotations"] = annotations },
            ["spec"] = new JsonObject
            {
                ["project"] = "apps",
                ["source"] = new JsonObject { ["repoURL"] = "https://github.com/acme/gitops.git", ["path"] = path, ["targetRevision"] = "main" },
                ["destination"] = new JsonObject { ["server"] = "https://kubernetes.default.svc", ["namespace"] = name },
            },
            ["status"] = new JsonObject
            {
                ["sync"] = new JsonObject { ["status"] = "Synced", ["revision"] = last.Revision },
                ["health"] = new JsonObject { ["status"] = health },
                ["history"] = new JsonArray([.. history.Select((h, i) => (JsonNode)new JsonObject
                {
                    ["revision"] = h.Revision,
                    ["deployedAt"] = Time(h.DeployedAt),
                    ["id"] = i,
                    ["source"] = new JsonObject { ["repoURL"] = "https://github.com/acme/gitops.git", ["path"] = path, ["targetRevision"] = "main" },
                })]),
                ["operationState"] = new JsonObject
                {
                    ["phase"] = operationPhase,
                    ["startedAt"] = Time((finishedAt ?? last.DeployedAt).AddSeconds(-5)),
                    ["finishedAt"] = Time(finishedAt ?? last.DeployedAt),
                    ["syncResult"] = new JsonObject { ["revision"] = operationRevision ?? last.Revision },
                },
            },
        };
        _applications[name] = app.ToJsonString();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
