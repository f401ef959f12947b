using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Octokit;

namespace Helix.Remediation.PullRequests;

/// <summary>The pull request Helix asks for: from the pushed rollback branch into the GitOps branch.</summary>
public sealed record RollbackPullRequest(string Branch, string Base, string Title, string Body, IReadOnlyList<string> Labels);

/// <summary>The pull request that stands for a rollback: found open already, or created now.</summary>
public sealed record OpenedPullRequest(int Number, Uri Url, bool Created);

/// <summary>A git host's pull request API, behind one interface (GitHub; Gitea and Forgejo).</summary>
public interface IPullRequestHost
{
    /// <summary>The open pull request of the branch if there is one, else a new one with its labels: never two.</summary>
    Task<OpenedPullRequest> OpenAsync(RollbackPullRequest request, CancellationToken cancellationToken);
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
            return new OpenedPullRequest(existing.Number, new Uri(existing.HtmlUrl), Created: false);
        }
        var created = await client.PullRequest.Create(owner, repository, new NewPullRequest(request.Title, request.Branch, request.Base) { Body = request.Body }).ConfigureAwait(false);
        if (request.Labels.Count > 0)
        {
            await client.Issue.Labels.AddToIssue(owner, repository, created.Number, [.. request.Labels]).ConfigureAwait(false);
        }
        return new OpenedPullRequest(created.Number, new Uri(created.HtmlUrl), Created: true);
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
            return new OpenedPullRequest(existing.Number, new Uri(existing.HtmlUrl), Created: false);
        }
        // Gitea takes label ids: the names are looked up in the repository's labels.
        var labels = request.Labels.Count == 0 ? [] :
            (await Send<List<GiteaLabel>>(HttpMethod.Get, $"api/v1/repos/{owner}/{repository}/labels?limit=100", null, cancellationToken).ConfigureAwait(false))
                .Where(l => request.Labels.Contains(l.Name)).Select(l => l.Id).ToList();
        var created = await Send<GiteaPull>(HttpMethod.Post, $"api/v1/repos/{owner}/{repository}/pulls",
            new GiteaCreatePull(request.Title, request.Body, request.Branch, request.Base, labels), cancellationToken).ConfigureAwait(false);
        return new OpenedPullRequest(created.Number, new Uri(created.HtmlUrl), Created: true);
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
        return (await response.Content.ReadFromJsonAsync<T>(cancellationToken).ConfigureAwait(false))!;
    }

    private sealed record GiteaCreatePull(
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("body")] string Body,
        [property: JsonPropertyName("head")] string Head,
        [property: JsonPropertyName("base")] string Base,
        [property: JsonPropertyName("labels")] IReadOnlyList<long> Labels);

    private sealed record GiteaPull(
        [property: JsonPropertyName("number")] int Number,
        [property: JsonPropertyName("html_url")] string HtmlUrl,
        [property: JsonPropertyName("head")] GiteaBranch? Head,
        [property: JsonPropertyName("base")] GiteaBranch? Base);

    private sealed record GiteaBranch([property: JsonPropertyName("ref")] string Ref);

    private sealed record GiteaLabel([property: JsonPropertyName("id")] long Id, [property: JsonPropertyName("name")] string Name);
}
