using System.ComponentModel.DataAnnotations;
using Helix.Hosting;
using Helix.Remediation.PullRequests;

namespace Helix.Remediation.Configuration;

/// <summary>What the service does with a decision to roll back.</summary>
internal enum RemediationMode
{
    /// <summary>Push the rollback branch and open the pull request.</summary>
    Act,

    /// <summary>Decide and prepare the reverts, record what would have been done, push nothing.</summary>
    DryRun,

    /// <summary>The kill switch: signals are still recorded, nothing is decided.</summary>
    Off,
}

/// <summary>
/// The guard rails: section <c>Remediation</c>. Read on every decision and reloaded when the
/// runtime settings file changes, so the kill switch applies without a restart; a change that does
/// not validate is logged and the options in force are kept.
/// </summary>
internal sealed record RemediationOptions : IValidatableObject
{
    public const string Section = "Remediation";

    public RemediationMode Mode { get; init; } = RemediationMode.Act;

    /// <summary>The alert label naming the ArgoCD application; alerts without it count for nothing.</summary>
    [RegularExpression("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    public string ApplicationLabel { get; init; } = "helix_app";

    /// <summary>Only signals that began within this time after the application's last sync count: later trouble is not the sync's.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SignalWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A signal must last this long (unresolved) before it is acted on...</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan PersistFor { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>...unless this many distinct signals agree sooner.</summary>
    [Range(1, 1000)]
    public int MinSignals { get; init; } = 3;

    /// <summary>After a rollback pull request, the application is left alone this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Revert a range that also changes files outside the application's paths.</summary>
    public bool AllowForeignPaths { get; init; }

    /// <summary>Ask the host to merge the pull request once its checks pass (where the repository allows auto-merge).</summary>
    public bool AutoMerge { get; init; }

    public MergeMethod MergeMethod { get; init; } = MergeMethod.Squash;

    /// <summary>Labels put on every rollback pull request.</summary>
    public List<string> Labels { get; init; } = ["rollback", "helix"];

    /// <summary>When a decision failed (ArgoCD or the git host unreachable), try again after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The working clone of the GitOps repository (an emptyDir in the cluster).</summary>
    [Required]
    public string WorkDirectory { get; init; } = "/var/lib/helix-remediation/gitops";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Labels.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("a label must not be empty", [nameof(Labels)]);
        }
    }
}

/// <summary>Who may send signals: section <c>Signals</c>. Tokens are references (<c>env:</c>, <c>file:</c>), several during a rotation.</summary>
internal sealed record SignalsOptions : IValidatableObject
{
    public const string Section = "Signals";

    /// <summary>Bearer tokens Alertmanager presents (<c>http_config.authorization.credentials_file</c>).</summary>
    [MinLength(1)]
    public List<string> AlertmanagerTokens { get; init; } = [];

    /// <summary>Bearer tokens ArgoCD Notifications presents (the webhook service's Authorization header).</summary>
    [MinLength(1)]
    public List<string> ArgoCdTokens { get; init; } = [];

    /// <summary>Larger bodies are refused with 413 without being read.</summary>
    [Range(1024, 16 << 20)]
    public int MaxBodyBytes { get; init; } = 1 << 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Secrets.Check(AlertmanagerTokens, nameof(AlertmanagerTokens)).Concat(Secrets.Check(ArgoCdTokens, nameof(ArgoCdTokens)));
}

/// <summary>ArgoCD's API: section <c>ArgoCd</c>.</summary>
internal sealed record ArgoCdOptions : IValidatableObject
{
    public const string Section = "ArgoCd";

    /// <summary>The API server, such as <c>http://argocd-server.argocd.svc.cluster.local</c>.</summary>
    [Required]
    public Uri? Url { get; init; }

    /// <summary>Reference to a read-only account's token.</summary>
    [Required]
    public string Token { get; init; } = "";

    /// <summary>Where people open ArgoCD, for links in pull requests.</summary>
    public Uri? PublicUrl { get; init; }

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => Secrets.Check([Token], nameof(Token), single: true);
}

/// <summary>The GitOps repository: section <c>Git</c>.</summary>
internal sealed record GitOptions : IValidatableObject
{
    public const string Section = "Git";

    /// <summary>HTTPS clone URL (plain HTTP only on loopback).</summary>
    [Required]
    public Uri? Url { get; init; }

    [Required]
    public string Branch { get; init; } = "main";

    /// <summary>The HTTPS user: <c>x-access-token</c> for GitHub tokens, the account for Gitea.</summary>
    [Required]
    public string Username { get; init; } = "x-access-token";

    /// <summary>Reference to a token that may push branches and open pull requests (a PAT, or a host's access token).</summary>
    public string? Token { get; init; }

    /// <summary>A GitHub App instead of a token: its installation tokens push and open pull requests.</summary>
    public GitHubAppOptions? GitHubApp { get; init; }

    [Required]
    public string AuthorName { get; init; } = "helix-remediation";

    [Required]
    public string AuthorEmail { get; init; } = "remediation@helix.invalid";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Url is { } url && url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
        {
            yield return new ValidationResult("the repository is reached over HTTPS (the token must not cross the network in clear)", [nameof(Url)]);
        }
        if ((Token is null) == (GitHubApp is null))
        {
            yield return new ValidationResult("set either Token (a reference) or GitHubApp (AppId, InstallationId, PrivateKey), not both", [nameof(Token)]);
        }
        foreach (var result in Token is null ? [] : Secrets.Check([Token], nameof(Token), single: true))
        {
            yield return result;
        }
    }
}

/// <summary>A GitHub App installation the service acts as.</summary>
internal sealed record GitHubAppOptions : IValidatableObject
{
    [Range(1, long.MaxValue)]
    public long AppId { get; init; }

    [Range(1, long.MaxValue)]
    public long InstallationId { get; init; }

    /// <summary>Reference to the App's private key (PEM).</summary>
    [Required]
    public string PrivateKey { get; init; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => Secrets.Check([PrivateKey], nameof(PrivateKey), single: true);
}

internal enum PullRequestProvider
{
    GitHub,
    Gitea,
}

/// <summary>The git host's pull request API: section <c>PullRequests</c>. It uses the token of <c>Git:Token</c>.</summary>
internal sealed record PullRequestOptions : IValidatableObject
{
    public const string Section = "PullRequests";

    public PullRequestProvider Provider { get; init; } = PullRequestProvider.GitHub;

    /// <summary>The API root: GitHub's by default; an Enterprise server's <c>https://host/api/v3/</c>; a Gitea or Forgejo server's root.</summary>
    public Uri? ApiUrl { get; init; }

    [Required]
    public string Owner { get; init; } = "";

    [Required]
    public string Repository { get; init; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == PullRequestProvider.Gitea && ApiUrl is null)
        {
            yield return new ValidationResult("a Gitea or Forgejo server needs its address", [nameof(ApiUrl)]);
        }
    }
}

internal static class Secrets
{
    public static IEnumerable<ValidationResult> Check(IReadOnlyList<string> references, string member, bool single = false)
    {
        for (var i = 0; i < references.Count; i++)
        {
            if (SecretReference.CheckForm(references[i]) is { } problem)
            {
                yield return new ValidationResult(problem, [single ? member : $"{member}:{i}"]);
            }
        }
    }
}
