using System.Net.Http.Headers;
using System.Text.Json.Serialization;
using Octokit;

namespace Helix.Remediation.PullRequests;

/// <summary>The pull request Helix asks for: from the pushed rollback branch into the GitOps branch.</summary>
public sealed record RollbackPullRequest(string Branch, string Base, string Title, string Body, IReadOnlyList<string> Labels);

/// <summary>The pull request that stands for a rollback: found open already, or created now.</summary>
public sealed record OpenedPullRequest(int Number, Uri Url, bool Created)
{
    /// <summary>The branch it merges.</summary>
    public string Branch { get; init; } = "";

    /// <summary>GitHub's GraphQL id of the pull request (what auto-merge is enabled on).</summary>
    public string? NodeId { get; init; }
}

/// <summary>How an auto-merged rollback lands.</summary>
public enum MergeMethod
{
    Squash,
    Merge,
    Rebase,
}

/// <summary>A git host's pull request API, behind one interface (GitHub; Gitea and Forgejo).</summary>
public interface IPullRequestHost
{
    /// <summary>An open pull request into <paramref name="baseBranch"/> from a branch starting with <paramref name="branchPrefix"/>, if any.</summary>
    Task<OpenedPullRequest?> FindOpenAsync(string branchPrefix, string baseBranch, CancellationToken cancellationToken);

    /// <summary>The open pull request of the branch if there is one, else a new one with its labels: never two.</summary>
    Task<OpenedPullRequest> OpenAsync(RollbackPullRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the host to merge the pull request once its required checks pass. Null when done, else
    /// the host's reason it will not (the repository does not allow auto-merge, for one).
    /// </summary>
    Task<string?> EnableAutoMergeAsync(OpenedPullRequest pull, MergeMethod method, CancellationToken cancellationToken);
}

/// <summary>GitHub (and GitHub Enterprise) through Octokit, with a PAT or a GitHub App installation token.</summary>
public sealed class GitHubPullRequests(IGitHubClient client, string owner, string repository) : IPullRequestHost
{
    /// <summary>A client for github.com, or for an Enterprise server's API root.</summary>
    public static IGitHubClient Client(Uri? apiBase, Func<string> token) =>
        new GitHubClient(new Connection(new Octokit.ProductHeaderValue("helix-remediation"), apiBase ?? GitHubClient.GitHubApiUrl, new TokenCredentialStore(token)));

    public async Task<OpenedPullRequest> OpenAsync(RollbackPullRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var open = await client.PullRequest.GetAllForRepository(owner, repository,
            new PullRequestRequest { State = ItemStateFilter.Open, Head = $"{owner}:{request.Branch}", Base = request.Base }).ConfigureAwait(false);
        if (open.FirstOrDefault(p => p.Head.Ref == request.Branch) is { } existing)
        {
            return Opened(existing, created: false);
        }
        var created = await client.PullRequest.Create(owner, repository, new NewPullRequest(request.Title, request.Branch, request.Base) { Body = request.Body }).ConfigureAwait(false);
        if (request.Labels.Count > 0)
        {
            await client.Issue.Labels.AddToIssue(owner, repository, created.Number, [.. request.Labels]).ConfigureAwait(false);
        }
        return Opened(created, created: true);
    }

    public async Task<OpenedPullRequest?> FindOpenAsync(string branchPrefix, string baseBranch, CancellationToken cancellationToken)
    {
        var open = await client.PullRequest.GetAllForRepository(owner, repository,
            new PullRequestRequest { State = ItemStateFilter.Open, Base = baseBranch }, new ApiOptions { PageSize = 100 }).ConfigureAwait(false);
        return open.Where(p => p.Head.Ref.StartsWith(branchPrefix, StringComparison.Ordinal)).OrderBy(p => p.Number).Select(p => Opened(p, created: false)).FirstOrDefault();
    }

    /// <summary>
    /// GitHub's auto-merge exists only in its GraphQL API (<c>enablePullRequestAutoMerge</c>); a
    /// repository without "Allow auto-merge", or a pull request with nothing required to wait for,
    /// answers with an error that is returned as the reason.
    /// </summary>
    public async Task<string?> EnableAutoMergeAsync(OpenedPullRequest pull, MergeMethod method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pull);
        if (pull.NodeId is null)
        {
            return "the pull request's GraphQL id is unknown";
        }
        var mutation = $$"""mutation { enablePullRequestAutoMerge(input: {pullRequestId: "{{pull.NodeId}}", mergeMethod: {{method.ToString().ToUpperInvariant()}}}) { clientMutationId } }""";
        var response = await client.Connection.Post<GraphQlResponse>(GraphQlEndpoint(client.Connection.BaseAddress), new { query = mutation },
            "application/json", "application/json", new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
        return response.Body.Errors is { Count: > 0 } errors ? string.Join("; ", errors.Select(e => e.Message)) : null;
    }

    /// <summary>github.com's GraphQL is <c>api.github.com/graphql</c>; an Enterprise server's is <c>/api/graphql</c> beside <c>/api/v3/</c>.</summary>
    internal static Uri GraphQlEndpoint(Uri apiBase) =>
        apiBase.AbsolutePath.EndsWith("/api/v3/", StringComparison.Ordinal)
            ? new Uri(apiBase, "../graphql")
            : new Uri(apiBase, "graphql");

    private static OpenedPullRequest Opened(PullRequest pull, bool created) =>
        new(pull.Number, new Uri(pull.HtmlUrl), created) { Branch = pull.Head.Ref, NodeId = pull.NodeId };

    /// <summary>Octokit fills these by reflection.</summary>
    internal sealed class GraphQlResponse
    {
        public IReadOnlyList<GraphQlError>? Errors { get; private set; }
    }

    internal sealed class GraphQlError
    {
        public string Message { get; private set; } = "";
    }

    /// <summary>Reads the token at each request, so a rotated installation token is used as soon as it is written.</summary>
    private sealed class TokenCredentialStore(Func<string> token) : ICredentialStore
    {
        public Task<Credentials> GetCredentials() => Task.FromResult(new Credentials(token()));
    }
}

/// <summary>Gitea and Forgejo (the same API, <c>/api/v1</c>), with an access token.</summary>
public sealed class GiteaPullRequests(HttpClient http, string owner, string repository, Func<string> token) : IPullRequestHost
{
    public async Task<OpenedPullRequest> OpenAsync(RollbackPullRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var open = await Send<List<GiteaPull>>(HttpMethod.Get, $"api/v1/repos/{owner}/{repository}/pulls?state=open&limit=50", null, cancellationToken).ConfigureAwait(false);
        if (open.FirstOrDefault(p => p.Head?.Ref == request.Branch && p.Base?.Ref == request.Base) is { } existing)
        {
            return existing.Opened(created: false);
        }
        // Gitea takes label ids: the names are looked up in the repository's labels.
        var labels = request.Labels.Count == 0 ? [] :
            (await Send<List<GiteaLabel>>(HttpMethod.Get, $"api/v1/repos/{owner}/{repository}/labels?limit=100", null, cancellationToken).ConfigureAwait(false))
                .Where(l => request.Labels.Contains(l.Name)).Select(l => l.Id).ToList();
        var created = await Send<GiteaPull>(HttpMethod.Post, $"api/v1/repos/{owner}/{repository}/pulls",
            new GiteaCreatePull(request.Title, request.Body, request.Branch, request.Base, labels), cancellationToken).ConfigureAwait(false);
        return created.Opened(created: true);
    }

    public async Task<OpenedPullRequest?> FindOpenAsync(string branchPrefix, string baseBranch, CancellationToken cancellationToken)
    {
        var open = await Send<List<GiteaPull>>(HttpMethod.Get, $"api/v1/repos/{owner}/{repository}/pulls?state=open&limit=50", null, cancellationToken).ConfigureAwait(false);
        return open.Where(p => p.Base?.Ref == baseBranch && p.Head?.Ref.StartsWith(branchPrefix, StringComparison.Ordinal) == true)
            .OrderBy(p => p.Number).Select(p => p.Opened(created: false)).FirstOrDefault();
    }

    /// <summary>Gitea merges when the checks pass if asked so on the merge endpoint (<c>merge_when_checks_succeed</c>).</summary>
    public async Task<string?> EnableAutoMergeAsync(OpenedPullRequest pull, MergeMethod method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pull);
        try
        {
            await Send<object?>(HttpMethod.Post, $"api/v1/repos/{owner}/{repository}/pulls/{pull.Number}/merge",
                new GiteaMerge(method.ToString().ToLowerInvariant(), MergeWhenChecksSucceed: true, DeleteBranchAfterMerge: true), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (HttpRequestException e) when (e.StatusCode is System.Net.HttpStatusCode.MethodNotAllowed or System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.Forbidden)
        {
            return e.Message;
        }
    }

    private async Task<T> Send<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        message.Headers.Authorization = new AuthenticationHeaderValue("token", token());
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The host's message, never the request (it carries the token).
            var reason = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {reason[..Math.Min(reason.Length, 300)]}", null, response.StatusCode);
        }
        // The merge endpoint answers with an empty body.
        return response.Content.Headers.ContentLength == 0 ? default! : (await response.Content.ReadFromJsonAsync<T>(cancellationToken).ConfigureAwait(false))!;
    }

    private sealed record GiteaCreatePull(
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("body")] string Body,
        [property: JsonPropertyName("head")] string Head,
        [property: JsonPropertyName("base")] string Base,
        [property: JsonPropertyName("labels")] IReadOnlyList<long> Labels);

    private sealed record GiteaMerge(
        [property: JsonPropertyName("Do")] string Do,
        [property: JsonPropertyName("merge_when_checks_succeed")] bool MergeWhenChecksSucceed,
        [property: JsonPropertyName("delete_branch_after_merge")] bool DeleteBranchAfterMerge);

    private sealed record GiteaPull(
        [property: JsonPropertyName("number")] int Number,
        [property: JsonPropertyName("html_url")] string HtmlUrl,
        [property: JsonPropertyName("head")] GiteaBranch? Head,
        [property: JsonPropertyName("base")] GiteaBranch? Base)
    {
        public OpenedPullRequest Opened(bool created) => new(Number, new Uri(HtmlUrl), created) { Branch = Head?.Ref ?? "" };
    }

    private sealed record GiteaBranch([property: JsonPropertyName("ref")] string Ref);

    private sealed record GiteaLabel([property: JsonPropertyName("id")] long Id, [property: JsonPropertyName("name")] string Name);
}
