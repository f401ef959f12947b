using System.Collections.Concurrent;
using System.Text.Json;
using Helix.Remediation.PullRequests;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Remediation.Tests;

/// <summary>
/// GitHub and Gitea cannot run here: their side is a local server answering with responses shaped
/// after each host's published REST reference (GitHub: "List pull requests", "Create a pull
/// request", "Add labels to an issue"; Gitea/Forgejo: "repoListPullRequests", "repoCreatePullRequest",
/// "issueListLabels"), and the tests check what the client sends.
/// </summary>
public sealed class PullRequestHostTests : IAsyncDisposable
{
    private const string Branch = "helix/rollback/shop/0123456789ab";
    private const string Token = "ghp_contract-test-token";
    private readonly ConcurrentQueue<(string Method, string Path, string Query, string Body, string Auth)> _requests = new();
    private readonly List<string> _open = [];
    private TestHttpServer? _server;

    private static string GitHubPull(int number, string branch) => $$$"""
        {"url":"https://api.github.com/repos/acme/gitops/pulls/{{{number}}}","id":{{{1000 + number}}},"node_id":"PR_kw{{{number}}}",
         "html_url":"https://github.com/acme/gitops/pull/{{{number}}}","number":{{{number}}},"state":"open","locked":false,
         "title":"Roll back shop","body":"...","user":{"login":"helix-remediation[bot]","id":42,"type":"Bot"},
         "labels":[],"created_at":"2026-11-25T10:00:00Z","updated_at":"2026-11-25T10:00:00Z","draft":false,"merged":false,
         "head":{"label":"acme:{{{branch}}}","ref":"{{{branch}}}","sha":"0123456789abcdef0123456789abcdef01234567"},
         "base":{"label":"acme:main","ref":"main","sha":"89abcdef0123456789abcdef0123456789abcdef"}}
        """;

    private async Task<TestHttpServer> Server(Action<WebApplication> map)
    {
        _server = await TestHttpServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                context.Request.EnableBuffering();
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
                context.Request.Body.Position = 0;
                _requests.Enqueue((context.Request.Method, context.Request.Path.Value!, context.Request.QueryString.Value ?? "", body, context.Request.Headers.Authorization.ToString()));
                await next(context);
            });
            map(app);
        }, TestContext.Current.CancellationToken);
        return _server;
    }

    private static RollbackPullRequest Request() => new(Branch, "main", "Roll back shop to 1.0", "shop went Degraded after sync of 0123456789ab.", ["rollback", "helix"]);

    [Fact]
    public async Task GitHub_CreatesOnce_WithLabels_ThenFindsTheOpenOne()
    {
        var server = await Server(app =>
        {
            app.MapGet("/api/v3/repos/acme/gitops/pulls", () => Results.Text("[" + string.Join(",", _open) + "]", "application/json"));
            app.MapPost("/api/v3/repos/acme/gitops/pulls", () =>
            {
                _open.Add(GitHubPull(7, Branch));
                return Results.Text(GitHubPull(7, Branch), "application/json", statusCode: 201);
            });
            app.MapPost("/api/v3/repos/acme/gitops/issues/7/labels", () => Results.Text("""
                [{"id":1,"name":"rollback","color":"d73a4a","default":false},{"id":2,"name":"helix","color":"0e8a16","default":false}]
                """, "application/json"));
        });
        var host = new GitHubPullRequests(GitHubPullRequests.Client(new Uri(server.BaseAddress, "api/v3/"), () => Token), "acme", "gitops"); // as a GitHub Enterprise API root

        var first = await host.OpenAsync(Request(), TestContext.Current.CancellationToken);
        var second = await host.OpenAsync(Request(), TestContext.Current.CancellationToken);

        Assert.Equal(new OpenedPullRequest(7, new Uri("https://github.com/acme/gitops/pull/7"), Created: true) { Branch = Branch, NodeId = "PR_kw7" }, first);
        Assert.Equal(first with { Created = false }, second);
        var requests = _requests.ToList();
        Assert.Single(requests, r => r.Method == "POST" && r.Path.EndsWith("/pulls", StringComparison.Ordinal)); // exactly one PR request
        var list = requests.First(r => r.Method == "GET");
        Assert.Contains("state=open", list.Query, StringComparison.Ordinal);
        Assert.Contains($"head={Uri.EscapeDataString("acme:" + Branch)}", list.Query, StringComparison.Ordinal);
        using var create = JsonDocument.Parse(requests.Single(r => r.Method == "POST" && r.Path.EndsWith("/pulls", StringComparison.Ordinal)).Body);
        Assert.Equal(Branch, create.RootElement.GetProperty("head").GetString());
        Assert.Equal("main", create.RootElement.GetProperty("base").GetString());
        Assert.Equal("Roll back shop to 1.0", create.RootElement.GetProperty("title").GetString());
        using var labels = JsonDocument.Parse(requests.Single(r => r.Path.EndsWith("/labels", StringComparison.Ordinal)).Body);
        // GitHub takes the names as {"labels": [...]} or as a bare array; Octokit sends the array.
        var names = labels.RootElement.ValueKind == JsonValueKind.Array ? labels.RootElement : labels.RootElement.GetProperty("labels");
        Assert.Equal(["rollback", "helix"], names.EnumerateArray().Select(l => l.GetString()));
        Assert.All(requests, r => Assert.Contains(Token, r.Auth, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gitea_CreatesWithLabelIds_ThenFindsTheOpenOne_AndReportsRefusalsWithoutTheToken()
    {
        var refuse = false;
        var server = await Server(app =>
        {
            app.MapGet("/api/v1/repos/acme/gitops/pulls", () => Results.Text("[" + string.Join(",", _open) + "]", "application/json"));
            app.MapGet("/api/v1/repos/acme/gitops/labels", () => Results.Text("""
                [{"id":11,"name":"rollback","color":"#d73a4a"},{"id":12,"name":"helix","color":"#0e8a16"},{"id":13,"name":"bug","color":"#ee0701"}]
                """, "application/json"));
            app.MapPost("/api/v1/repos/acme/gitops/pulls", () =>
            {
                if (refuse)
                {
                    return Results.Text("""{"message":"user does not have permission to create pull request","url":"https://gitea.example.com/api/swagger"}""", "application/json", statusCode: 403);
                }
                var pull = $$$"""
                    {"id":501,"number":3,"html_url":"https://gitea.example.com/acme/gitops/pulls/3","state":"open","title":"Roll back shop to 1.0",
                    "head":{"label":"{{{Branch}}}","ref":"{{{Branch}}}","sha":"0123"},"base":{"label":"main","ref":"main","sha":"89ab"}}
                    """;
                _open.Add(pull);
                return Results.Text(pull, "application/json", statusCode: 201);
            });
        });
        var host = new GiteaPullRequests(new HttpClient { BaseAddress = server.BaseAddress }, "acme", "gitops", () => Token);

        var first = await host.OpenAsync(Request(), TestContext.Current.CancellationToken);
        var second = await host.OpenAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(first.Created);
        Assert.Equal(3, first.Number);
        Assert.False(second.Created);
        using var create = JsonDocument.Parse(_requests.Single(r => r.Method == "POST").Body);
        Assert.Equal([11L, 12L], create.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetInt64()));
        Assert.All(_requests, r => Assert.Equal($"token {Token}", r.Auth));

        _open.Clear();
        refuse = true;
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => host.OpenAsync(Request(), TestContext.Current.CancellationToken));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Contains("does not have permission", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gitea_FindsAnOpenRollbackOfTheApplication_AndAsksToMergeWhenChecksSucceed()
    {
        var allowed = true;
        var server = await Server(app =>
        {
            app.MapGet("/api/v1/repos/acme/gitops/pulls", () => Results.Text($$$"""
                [{"id":1,"number":4,"html_url":"https://gitea.example.com/acme/gitops/pulls/4","head":{"ref":"feature/x"},
                "base":{"ref":"main"}},{"id":2,"number":5,"html_url":"https://gitea.example.com/acme/gitops/pulls/5","head":{"ref":"{{{Branch}}}"},"base":{"ref":"main"}}]
                """, "application/json"));
            app.MapPost("/api/v1/repos/acme/gitops/pulls/5/merge", () => allowed
                ? Results.Empty
                : Results.Text("""{"message":"Please try again later","url":"https://gitea.example.com/api/swagger"}""", "application/json", statusCode: 405));
        });
        var host = new GiteaPullRequests(new HttpClient { BaseAddress = server.BaseAddress }, "acme", "gitops", () => Token);

        var open = await host.FindOpenAsync("helix/rollback/shop/", "main", TestContext.Current.CancellationToken);
        Assert.NotNull(open);
        Assert.Equal((5, Branch), (open.Number, open.Branch));
        Assert.Null(await host.FindOpenAsync("helix/rollback/billing/", "main", TestContext.Current.CancellationToken));

        Assert.Null(await host.EnableAutoMergeAsync(open, MergeMethod.Squash, TestContext.Current.CancellationToken));
        using (var merge = JsonDocument.Parse(_requests.Single(r => r.Path.EndsWith("/merge", StringComparison.Ordinal)).Body))
        {
            Assert.Equal("squash", merge.RootElement.GetProperty("Do").GetString());
            Assert.True(merge.RootElement.GetProperty("merge_when_checks_succeed").GetBoolean());
        }
        allowed = false;
        Assert.Contains("405", await host.EnableAutoMergeAsync(open, MergeMethod.Squash, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public void GitHubsGraphQlEndpoint_IsBesideTheRestRoot()
    {
        Assert.Equal(new Uri("https://api.github.com/graphql"), GitHubPullRequests.GraphQlEndpoint(new Uri("https://api.github.com/")));
        Assert.Equal(new Uri("https://ghe.example.com/api/graphql"), GitHubPullRequests.GraphQlEndpoint(new Uri("https://ghe.example.com/api/v3/")));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
