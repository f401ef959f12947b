using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Helix.Remediation.Decisions;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Helix.Remediation.Tests.Support;

/// <summary>
/// The real Remediation Service on a loopback port: its decision log in the harness's PostgreSQL
/// (through PgBouncer), the GitOps repository on the harness's git server, ArgoCD and GitHub as
/// contract stubs. Tokens live in files, referenced as in the cluster.
/// </summary>
internal sealed class RemediationHost : IAsyncDisposable
{
    public const string AlertmanagerToken = "am-token-9b4c0e";
    public const string ArgoNotificationsToken = "argo-notify-token-31f7";

    private readonly WebApplication _app;
    private readonly DirectoryInfo _files;

    private RemediationHost(WebApplication app, DirectoryInfo files, DecisionLog log, CapturedLogs logs)
    {
        _app = app;
        _files = files;
        Log = log;
        Logs = logs;
        Client.BaseAddress = TestHttpServer.AddressOf(app);
    }

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public DecisionLog Log { get; }

    public CapturedLogs Logs { get; }

    /// <summary>The token files' folder (Alertmanager reads its token from here too).</summary>
    public string AlertmanagerTokenFile => Path.Combine(_files.FullName, "alertmanager-token");

    /// <summary>
    /// Starts the service. With <paramref name="defaults"/> off only <paramref name="settings"/> configure
    /// it (the rendered environment, for one), the database's address excepted.
    /// </summary>
    public static async Task<RemediationHost> StartAsync(PostgresSchema schema, GitTestRepo repo, ArgoCdStub argo, GitHubStub github, IDictionary<string, string?>? settings = null,
        bool defaults = true)
    {
        var files = Directory.CreateTempSubdirectory("helix-remediation-");
        string Secret(string name, string value)
        {
            var path = Path.Combine(files.FullName, name);
            File.WriteAllText(path, value + "\n");
            return "file:" + path;
        }
        var config = new Dictionary<string, string?>
        {
            ["Remediation:WorkDirectory"] = Path.Combine(files.FullName, "work"),
            ["Remediation:MinSignals"] = "1",
            ["Remediation:PersistFor"] = "00:00:00",
            ["Signals:AlertmanagerTokens:0"] = Secret("alertmanager-token", AlertmanagerToken),
            ["Signals:ArgoCdTokens:0"] = Secret("argocd-notifications-token", ArgoNotificationsToken),
            ["ArgoCd:Url"] = argo.Url.ToString(),
            ["ArgoCd:Token"] = Secret("argocd-token", ArgoCdStub.Token),
            ["ArgoCd:PublicUrl"] = "https://argocd.helix.example.com/",
            ["Git:Url"] = repo.Url.ToString(),
            ["Git:Branch"] = "main",
            ["Git:Username"] = repo.Credentials.Username,
            ["Git:Token"] = Secret("git-token", repo.Credentials.Password),
            ["PullRequests:Provider"] = "GitHub",
            ["PullRequests:ApiUrl"] = github.ApiUrl.ToString(),
            ["PullRequests:Owner"] = GitHubStub.Owner,
            ["PullRequests:Repository"] = GitHubStub.Repository,
            ["Database:ConnectionString"] = TestEnvironment.Require("HELIX_TEST_PGBOUNCER", "PgBouncer"),
            ["Database:MigrationConnectionString"] = TestEnvironment.Require("HELIX_TEST_POSTGRES", "PostgreSQL"),
            ["Database:Schema"] = schema.Name,
            ["Shutdown:DrainDelay"] = "00:00:00",
        };
        if (!defaults)
        {
            config.Clear();
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
        var logs = new CapturedLogs();
        var app = RemediationApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(config);
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<ILoggerProvider>(logs);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new RemediationHost(app, files, new DecisionLog(schema.Pooled, schema.Name), logs);
    }

    public async Task<HttpResponseMessage> PostAsync(string route, string body, string? token, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<HttpResponseMessage> PostAlertsAsync(string body, string? token = AlertmanagerToken) => PostAsync("/v1/signals/alertmanager", body, token);

    public Task<HttpResponseMessage> PostArgoAsync(string body, string? token = ArgoNotificationsToken) => PostAsync("/v1/signals/argocd", body, token);

    /// <summary>Waits for a decision about the application that satisfies the condition; all decisions about it, newest first.</summary>
    public Task<IReadOnlyList<Decision>> WaitForDecisionAsync(string application, Func<Decision, bool> condition, int seconds = 30) =>
        Eventually.WaitAsync(() => Log.ListAsync(application, null, 100, TestContext.Current.CancellationToken), decisions => decisions.Any(condition), TimeSpan.FromSeconds(seconds),
            decisions => $"no such decision about {application}; decisions: {string.Join(" | ", decisions.Select(d => $"{d.Outcome}: {d.Reason}"))}\n{string.Join("\n", Logs.Lines.TakeLast(10))}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Client.Dispose();
        foreach (var file in _files.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            file.Attributes = FileAttributes.Normal;
        }
        _files.Delete(recursive: true);
    }
}

/// <summary>Alertmanager's webhook body (version 4) for tests.</summary>
internal static class Alerts
{
    public static string Body(string application, string fingerprint, DateTimeOffset startsAt, string status = "firing", string groupKey = "{}:{alertname=\"ShopErrors\"}") =>
        JsonSerializer.Serialize(new
        {
            version = "4",
            groupKey,
            truncatedAlerts = 0,
            status,
            receiver = "remediation",
            groupLabels = new { alertname = "ShopErrors" },
            commonLabels = new { alertname = "ShopErrors" },
            commonAnnotations = new { },
            externalURL = "http://alertmanager:9093",
            alerts = new[]
            {
                new
                {
                    status,
                    labels = new Dictionary<string, string> { ["alertname"] = "ShopErrors", ["helix_app"] = application, ["severity"] = "critical" },
                    annotations = new Dictionary<string, string> { ["summary"] = "5xx above 5% for 1 minute" },
                    startsAt = startsAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    endsAt = status == "firing" ? "0001-01-01T00:00:00Z" : DateTimeOffset.UtcNow.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    generatorURL = "http://prometheus:9090/graph?g0.expr=shop_errors",
                    fingerprint,
                },
            },
        });

    /// <summary>What Helix's ArgoCD notification template renders for a trigger.</summary>
    public static string Argo(string application, string trigger, string revision, string finishedAt, string health = "Degraded", string phase = "Succeeded") =>
        JsonSerializer.Serialize(new
        {
            version = "1",
            trigger,
            application,
            revision,
            health,
            syncStatus = "Synced",
            operationPhase = phase,
            operationRevision = revision,
            finishedAt,
        });
}
