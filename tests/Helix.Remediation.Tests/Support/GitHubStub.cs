using System.Collections.Concurrent;
using System.Text.Json;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Remediation.Tests.Support;

/// <summary>
/// GitHub cannot run here: a local server answers as GitHub's published REST reference describes
/// ("List pull requests", "Create a pull request", "Add labels to an issue") and its GraphQL
/// <c>enablePullRequestAutoMerge</c> mutation, and keeps what it was sent.
/// </summary>
internal sealed class GitHubStub : IAsyncDisposable
{
    public const string Owner = "acme";
    public const string Repository = "gitops";

    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly List<(int Number, string Branch, string Base)> _open = [];
    private readonly Lock _gate = new();
    private int _next = 1;
    private TestHttpServer? _server;

    internal sealed record Request(string Method, string Path, string Query, string Body, string Authorization);

    /// <summary>The Enterprise-style API root the service is configured with.</summary>
    public Uri ApiUrl => new(_server!.BaseAddress, "api/v3/");

    /// <summary>Whether the repository has "Allow auto-merge" on.</summary>
    public bool AutoMergeAllowed { get; set; } = true;

    public IReadOnlyList<Request> Requests => [.. _requests];

    public IReadOnlyList<Request> Created => [.. _requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/pulls", StringComparison.Ordinal))];

    /// <summary>Opens a pull request as someone else would have.</summary>
    public int OpenExisting(string branch, string baseBranch = "main")
    {
        lock (_gate)
        {
            _open.Add((_next, branch, baseBranch));
            return _next++;
        }
    }

    /// <summary>Closes (or merges) every open pull request.</summary>
    public void CloseAll()
    {
        lock (_gate)
        {
            _open.Clear();
        }
    }

    public static async Task<GitHubStub> StartAsync()
    {
        var stub = new GitHubStub();
        const string Repo = $"/api/v3/repos/{Owner}/{Repository}";
        stub._server = await TestHttpServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                context.Request.EnableBuffering();
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
                context.Request.Body.Position = 0;
                stub._requests.Enqueue(new Request(context.Request.Method, context.Request.Path.Value!, context.Request.QueryString.Value ?? "", body,
                    context.Request.Headers.Authorization.ToString()));
                await next(context);
            });
            app.MapGet($"{Repo}/pulls", (HttpContext context) =>
            {
                var head = context.Request.Query["head"].FirstOrDefault();
                lock (stub._gate)
                {
                    var open = stub._open.Where(p => head is null || head == $"{Owner}:{p.Branch}").Select(p => Pull(p.Number, p.Branch, p.Base));
                    return Results.Text("[" + string.Join(",", open) + "]", "application/json");
                }
            });
            app.MapPost($"{Repo}/pulls", async (HttpContext context) =>
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                var branch = body.RootElement.GetProperty("head").GetString()!;
                var baseBranch = body.RootElement.GetProperty("base").GetString()!;
                int number;
                lock (stub._gate)
                {
                    if (stub._open.Any(p => p.Branch == branch))
                    {
                        return Results.Text($$"""
                            {"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for {{Owner}}:{{branch}}."}],
                            "documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"422"}
                            """, "application/json", statusCode: 422);
                    }
                    number = stub._next++;
                    stub._open.Add((number, branch, baseBranch));
                }
                return Results.Text(Pull(number, branch, baseBranch), "application/json", statusCode: 201);
            });
            app.MapPost($"{Repo}/issues/{{number:int}}/labels", () => Results.Text("""
                [{"id":1,"node_id":"LA_1","name":"rollback","color":"d73a4a","default":false},{"id":2,"node_id":"LA_2","name":"helix","color":"0e8a16","default":false}]
                """, "application/json"));
            app.MapPost("/api/graphql", () => stub.AutoMergeAllowed
                ? Results.Text("""{"data":{"enablePullRequestAutoMerge":{"clientMutationId":null}}}""", "application/json")
                : Results.Text("""
                    {"data":{"enablePullRequestAutoMerge":null},"errors":[{"type":"UNPROCESSABLE","path":["enablePullRequestAutoMerge"],
                    "locations":[{"line":1,"column":12}],"message":"Pull request Auto merge is not allowed for this repository"}]}
                    """, "application/json"));
        }, TestContext.Current.CancellationToken);
        return stub;
    }

    private static string Pull(int number, string branch, string baseBranch) => $$$"""
        {"url":"https://api.github.com/repos/{{{Owner}}}/{{{Repository}}}/pulls/{{{number}}}","id":{{{1000 + number}}},"node_id":"PR_kw{{{number}}}",
         "html_url":"https://github.com/{{{Owner}}}/{{{Repository}}}/pull/{{{number}}}","number":{{{number}}},"state":"open","locked":false,
         "title":"helix: roll back","body":"","user":{"login":"helix-remediation[bot]","id":42,"type":"Bot"},
         "labels":[],"created_at":"2026-11-25T10:00:00Z","updated_at":"2026-11-25T10:00:00Z","draft":false,"merged":false,
         "head":{"label":"{{{Owner}}}:{{{branch}}}","ref":"{{{branch}}}","sha":"0123456789abcdef0123456789abcdef01234567"},
         "base":{"label":"{{{Owner}}}:{{{baseBranch}}}","ref":"{{{baseBranch}}}","sha":"89abcdef0123456789abcdef0123456789abcdef"}}
        """;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
