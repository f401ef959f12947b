using Helix.Hosting;
using Helix.Postgres.Hosting;
using Helix.Remediation.Api;
using Helix.Remediation.Argo;
using Helix.Remediation.Configuration;
using Helix.Remediation.Decisions;
using Helix.Remediation.Git;
using Helix.Remediation.PullRequests;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Helix.Remediation;

/// <summary>Builds the Remediation Service; <c>Program</c> runs it, tests start it on a loopback port.</summary>
public static class RemediationApp
{
    public const string ServiceName = "remediation";

    /// <summary><c>remediation</c> serves; <c>remediation migrate</c> applies the decision log's migrations and exits.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is ["migrate", .. var rest])
        {
            await using var migrator = Build(rest, b => b.Configuration["Database:MigrateOnStart"] = "false");
            await ServiceDatabase.MigrateAsync(migrator.Services, CancellationToken.None).ConfigureAwait(false);
            return 0;
        }
        await using var app = Build(args);
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.AddHelixServiceDefaults(ServiceName);
        configure?.Invoke(builder);
        builder.AddRuntimeSettingsFile();

        // The guard rails (the kill switch, dry run, cooldown) follow the settings file at runtime.
        builder.Services.AddValidatedOptions<RemediationOptions>(RemediationOptions.Section).ReloadOnChange();
        builder.Services.AddValidatedOptions<SignalsOptions>(SignalsOptions.Section);
        builder.Services.AddValidatedOptions<ArgoCdOptions>(ArgoCdOptions.Section);
        builder.Services.AddValidatedOptions<GitOptions>(GitOptions.Section);
        builder.Services.AddValidatedOptions<PullRequestOptions>(PullRequestOptions.Section);
        builder.Services.AddServiceDatabase(DecisionLog.MigrateAsync);

        builder.Services.AddSingleton(sp => new DecisionLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Schema));

        builder.Services.AddHttpClient<ArgoCdClient>((sp, http) =>
            {
                var argo = sp.GetRequiredService<IOptions<ArgoCdOptions>>().Value;
                http.BaseAddress = argo.Url;
                http.Timeout = argo.Timeout;
            })
            .AddTypedClient((http, sp) => new ArgoCdClient(http, SecretReference.Reader(sp.GetRequiredService<IOptions<ArgoCdOptions>>().Value.Token)));
        builder.Services.AddHttpClient(nameof(GiteaPullRequests), (sp, http) =>
        {
            http.BaseAddress = sp.GetRequiredService<IOptions<PullRequestOptions>>().Value.ApiUrl;
            http.Timeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddSingleton<IPullRequestHost>(sp =>
        {
            var pulls = sp.GetRequiredService<IOptions<PullRequestOptions>>().Value;
            var token = sp.GetRequiredService<HostToken>().Read;
            return pulls.Provider switch
            {
                PullRequestProvider.Gitea => new GiteaPullRequests(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(GiteaPullRequests)), pulls.Owner, pulls.Repository, token),
                _ => new GitHubPullRequests(GitHubPullRequests.Client(pulls.ApiUrl, token), pulls.Owner, pulls.Repository),
            };
        });
        builder.Services.AddSingleton(sp =>
        {
            var git = sp.GetRequiredService<IOptions<GitOptions>>().Value;
            return new RollbackRepository(new GitRemote(git.Url!, git.Branch, git.GitHubApp is null ? git.Username : "x-access-token", sp.GetRequiredService<HostToken>().Read,
                git.AuthorName, git.AuthorEmail),
                sp.GetRequiredService<IOptionsMonitor<RemediationOptions>>().CurrentValue.WorkDirectory, sp.GetRequiredService<TimeProvider>());
        });
        builder.Services.AddSingleton(sp => new HostToken(sp.GetRequiredService<IOptions<GitOptions>>().Value,
            sp.GetRequiredService<IOptions<PullRequestOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<RemediationMetrics>();
        builder.Services.AddSingleton<Remediator>();
        builder.Services.AddSingleton<DecisionQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DecisionQueue>());
        builder.Services.AddSingleton<SignalEndpoints>();

        var app = builder.Build();
        // Read every secret now: a missing one must stop start-up, not the first alert.
        _ = app.Services.GetRequiredService<SignalEndpoints>();
        _ = SecretReference.Resolve(app.Services.GetRequiredService<IOptions<ArgoCdOptions>>().Value.Token);
        _ = app.Services.GetRequiredService<HostToken>().Read();
        app.MapHelixDefaultEndpoints();
        SignalEndpoints.Map(app);
        return app;
    }

    /// <summary>The git host's token: a referenced one read at each use, or a GitHub App's installation token.</summary>
    private sealed class HostToken
    {
        public HostToken(GitOptions git, PullRequestOptions pulls, TimeProvider time)
        {
            if (git.GitHubApp is { } app)
            {
                if (pulls.Provider != PullRequestProvider.GitHub)
                {
                    throw new OptionsValidationException(GitOptions.Section, typeof(GitOptions), ["Configuration key 'Git:GitHubApp': a GitHub App needs PullRequests:Provider GitHub"]);
                }
                Read = new GitHubAppTokens(pulls.ApiUrl, app.AppId, app.InstallationId, SecretReference.Reader(app.PrivateKey), time).Current;
            }
            else
            {
                Read = SecretReference.Reader(git.Token!);
            }
        }

        public Func<string> Read { get; }
    }
}
