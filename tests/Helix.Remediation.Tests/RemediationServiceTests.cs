using System.Net;
using System.Text.Json;
using Helix.Remediation.Decisions;
using Helix.Remediation.Git;
using Helix.Remediation.Tests.Support;
using Helix.Testing;

namespace Helix.Remediation.Tests;

/// <summary>
/// The service end to end over HTTP: real PostgreSQL (through PgBouncer), a real git server;
/// ArgoCD and GitHub through their contract stubs.
/// </summary>
[Collection(ServiceDependency.Name)]
public sealed class RemediationServiceTests(PostgresFixture postgres, GitFixture git) : IAsyncLifetime
{
    private const string App = "shop";
    private const string Values = "gitops/apps/shop/base/deployment.yaml";
    private const string AppPath = "gitops/apps/shop/base";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly GitTestRepo _repo = git.CreateBareRepository();
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("helix-remediation-test-");
    private PostgresSchema? _schema;
    private ArgoCdStub? _argo;
    private GitHubStub? _github;
    private GitHistory? _history;
    private RemediationHost? _host;

    private ArgoCdStub Argo => _argo!;
    private GitHubStub GitHub => _github!;
    private GitHistory History => _history!;

    public async ValueTask InitializeAsync()
    {
        _schema = await postgres.CreateSchemaAsync(Ct);
        _argo = await ArgoCdStub.StartAsync();
        _github = await GitHubStub.StartAsync();
        _history = new GitHistory(_repo, Path.Combine(_scratch.FullName, "author"));
    }

    private async Task<RemediationHost> Start(IDictionary<string, string?>? settings = null) =>
        _host = await RemediationHost.StartAsync(_schema!, _repo, Argo, GitHub, settings);

    /// <summary>shop was healthy at v1; v2 and v3 were synced together a minute ago and it degraded.</summary>
    private (string Healthy, string Bad, DateTimeOffset SyncedAt) BadRollout()
    {
        var healthy = History.Commit("shop 1.0", (Values, "image: shop:1.0\nreplicas: 2\n"));
        History.Commit("shop 1.1", (Values, "image: shop:1.1\nreplicas: 2\n"));
        var bad = History.Commit("shop 1.1 with 4 replicas", (Values, "image: shop:1.1\nreplicas: 4\n"));
        var syncedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        Argo.Set(App, "Degraded", [(healthy, syncedAt.AddHours(-2)), (bad, syncedAt)], AppPath);
        return (healthy, bad, syncedAt);
    }

    [Fact]
    public async Task AnAlertAfterABadSync_OpensOneRollbackPullRequest_ThatExplainsItself()
    {
        var (healthy, bad, syncedAt) = BadRollout();
        var host = await Start();

        using var response = await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(30)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)))
        {
            Assert.Equal(1, result.RootElement.GetProperty("recorded").GetInt32());
        }
        var decisions = await host.WaitForDecisionAsync(App, d => d.Outcome == DecisionLog.Acted);
        var acted = decisions.Single(d => d.Outcome == DecisionLog.Acted);
        Assert.Equal((healthy, bad), (acted.Healthy, acted.Bad));
        Assert.Equal(RollbackRepository.BranchName(App, bad), acted.Branch);
        Assert.Equal("https://github.com/acme/gitops/pull/1", acted.PullRequestUrl);
        Assert.Single(acted.Signals!);
        Assert.StartsWith("opened #1 reverting", acted.Reason, StringComparison.Ordinal);

        // The branch holds the reverts: back to what ran healthy.
        Assert.Equal("image: shop:1.0\nreplicas: 2\n", History.RemoteFile(acted.Branch!, Values));
        Assert.Equal("image: shop:1.1\nreplicas: 4\n", History.RemoteFile("main", Values));

        var created = Assert.Single(GitHub.Created);
        using var pull = JsonDocument.Parse(created.Body);
        Assert.Equal(acted.Branch, pull.RootElement.GetProperty("head").GetString());
        Assert.Equal("main", pull.RootElement.GetProperty("base").GetString());
        Assert.Equal($"{RollbackRepository.TitlePrefix}{App} to {healthy[..12]}", pull.RootElement.GetProperty("title").GetString());
        var body = pull.RootElement.GetProperty("body").GetString()!;
        Assert.Contains($"`{healthy[..12]}..{bad[..12]}`", body, StringComparison.Ordinal);
        Assert.Contains("health **Degraded**", body, StringComparison.Ordinal);
        Assert.Contains("alert `ShopErrors`: 5xx above 5% for 1 minute", body, StringComparison.Ordinal);
        Assert.Contains("https://argocd.helix.example.com/applications/shop", body, StringComparison.Ordinal);
        Assert.Contains(bad, body, StringComparison.Ordinal);
        Assert.Single(GitHub.Requests, r => r.Path.EndsWith("/issues/1/labels", StringComparison.Ordinal));

        // The decisions API lists it.
        using var listed = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/v1/decisions?application=shop", UriKind.Relative), Ct));
        Assert.Equal(acted.Id, listed.RootElement.GetProperty("decisions")[0].GetProperty("id").GetInt64());
        Assert.Equal(DecisionLog.Acted, listed.RootElement.GetProperty("decisions")[0].GetProperty("outcome").GetString());

        // No secret in any log line.
        var logs = string.Join("\n", host.Logs.Lines);
        foreach (var secret in new[] { _repo.Credentials.Password, ArgoCdStub.Token, RemediationHost.AlertmanagerToken })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AThousandDuplicateAlerts_AndRepeatedNotifications_OpenOnePullRequest()
    {
        var (_, bad, syncedAt) = BadRollout();
        var host = await Start(new Dictionary<string, string?> { ["Remediation:MinSignals"] = "2", ["Remediation:PersistFor"] = "00:10:00" });
        var alert = Alerts.Body(App, "f1", syncedAt.AddSeconds(30));
        var notification = Alerts.Argo(App, "on-health-degraded", bad, syncedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        var responses = await Task.WhenAll(
            Enumerable.Range(0, 1000).Select(_ => host.PostAlertsAsync(alert))
                .Concat(Enumerable.Range(0, 100).Select(_ => host.PostArgoAsync(notification))));

        var recorded = 0;
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            recorded += result.RootElement.GetProperty("recorded").GetInt32();
            response.Dispose();
        }
        Assert.Equal(2, recorded); // one alert, one notification: two signals agree
        await host.WaitForDecisionAsync(App, d => d.Outcome == DecisionLog.Acted);
        await Task.Delay(500, Ct);
        Assert.Single(GitHub.Created);
        Assert.Equal([RollbackRepository.BranchName(App, bad)], History.RemoteRollbackBranches());
        var acted = Assert.Single(await host.Log.ListAsync(App, null, 100, Ct), d => d.Outcome == DecisionLog.Acted);
        Assert.Equal(2, acted.Signals!.Count);
    }

    [Fact]
    public async Task FlappingWithinTheCooldown_OpensNoSecondPullRequest()
    {
        var (_, _, syncedAt) = BadRollout();
        var host = await Start();
        using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(10))))
        {
            await host.WaitForDecisionAsync(App, d => d.Outcome == DecisionLog.Acted);
        }
        GitHub.CloseAll(); // someone closed the rollback without merging it

        // The alert resolves, fires again, resolves, fires again.
        for (var i = 1; i <= 3; i++)
        {
            using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(10 * i), status: "resolved")))
            using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(10 * (i + 1)))))
            {
            }
        }

        var decisions = await host.WaitForDecisionAsync(App, d => d.Reason.StartsWith("cooldown", StringComparison.Ordinal));
        await Task.Delay(500, Ct);
        Assert.Single(GitHub.Created);
        Assert.Contains("less than 1h", decisions.First(d => d.Reason.StartsWith("cooldown", StringComparison.Ordinal)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASignalThatDoesNotPersist_OpensNothing_AndOneThatDoes_Acts()
    {
        BadRollout();
        var host = await Start(new Dictionary<string, string?> { ["Remediation:MinSignals"] = "3", ["Remediation:PersistFor"] = "00:00:02" });
        var startsAt = DateTimeOffset.UtcNow;

        using (await host.PostAlertsAsync(Alerts.Body(App, "blip", startsAt)))
        {
            await host.WaitForDecisionAsync(App, d => d.Outcome == Remediator.Waiting);
        }
        using (await host.PostAlertsAsync(Alerts.Body(App, "blip", startsAt, status: "resolved")))
        {
            await host.WaitForDecisionAsync(App, d => d.Outcome == Remediator.Ignored); // the recheck finds nothing left
        }
        Assert.Empty(GitHub.Created);

        using (await host.PostAlertsAsync(Alerts.Body(App, "lasting", DateTimeOffset.UtcNow)))
        {
            var decisions = await host.WaitForDecisionAsync(App, d => d.Outcome == DecisionLog.Acted);
            Assert.Contains(decisions, d => d.Outcome == Remediator.Waiting && d.Reason.StartsWith("1 of 3 signals", StringComparison.Ordinal));
        }
        Assert.Single(GitHub.Created);
    }

    [Fact]
    public async Task AConflictingRevert_IsReported_AndNothingIsPushedOrOpened()
    {
        var (_, _, syncedAt) = BadRollout();
        History.Commit("hotfix on top", (Values, "image: shop:1.1-hotfix\nreplicas: 4\n"));
        var host = await Start();

        using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(5))))
        {
            var conflict = (await host.WaitForDecisionAsync(App, d => d.Outcome == "conflict")).First(d => d.Outcome == "conflict");
            Assert.Contains($"conflicts in {Values}", conflict.Reason, StringComparison.Ordinal);
            Assert.Contains("nothing was pushed", conflict.Reason, StringComparison.Ordinal);
        }
        Assert.Empty(History.RemoteRollbackBranches());
        Assert.Empty(GitHub.Created);
    }

    [Fact]
    public async Task TheKillSwitch_DecidesNothing_AndDryRun_PushesNothing()
    {
        var (_, bad, syncedAt) = BadRollout();
        var host = await Start(new Dictionary<string, string?> { ["Remediation:Mode"] = "Off" });
        using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(5))))
        {
            await host.WaitForDecisionAsync(App, d => d.Outcome == Remediator.Off);
        }
        await host.DisposeAsync();
        Assert.Equal(0, Argo.Requests); // switched off: not even ArgoCD is asked

        host = await Start(new Dictionary<string, string?> { ["Remediation:Mode"] = "DryRun" });
        using (await host.PostAlertsAsync(Alerts.Body(App, "f2", syncedAt.AddSeconds(6))))
        {
            var dry = (await host.WaitForDecisionAsync(App, d => d.Outcome == Remediator.DryRun)).First(d => d.Outcome == Remediator.DryRun);
            Assert.Contains($"would push {RollbackRepository.BranchName(App, bad)} reverting 2 commits", dry.Reason, StringComparison.Ordinal);
        }
        Assert.Empty(History.RemoteRollbackBranches());
        Assert.Empty(GitHub.Created);
    }

    [Fact]
    public async Task TheKillSwitch_WrittenToTheSettingsFile_AppliesToARunningService()
    {
        var (_, _, syncedAt) = BadRollout();
        var settings = Path.Combine(_scratch.FullName, "settings.json");
        await File.WriteAllTextAsync(settings, """{"Remediation":{"Mode":"Act"}}""", Ct);
        var host = await Start(new Dictionary<string, string?> { [Hosting.RuntimeSettings.FileKey] = settings });

        await File.WriteAllTextAsync(settings, """{"Remediation":{"Mode":"Off"}}""", Ct);
        await WaitForLog(host, "RemediationOptions reloaded", 1);
        using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(5))))
        {
            await host.WaitForDecisionAsync(App, d => d.Outcome == Remediator.Off);
        }
        Assert.Equal(0, Argo.Requests);

        // A typo is refused and the switch stays off; the next valid write applies.
        await File.WriteAllTextAsync(settings, """{"Remediation":{"Mode":"Of"}}""", Ct);
        await WaitForLog(host, "RemediationOptions not reloaded", 1);
        var beforeF2 = (await host.Log.ListAsync(App, null, 100, Ct)).Max(d => d.Id);
        using (await host.PostAlertsAsync(Alerts.Body(App, "f2", syncedAt.AddSeconds(6))))
        {
            var decisions = await host.WaitForDecisionAsync(App, d => d.Id > beforeF2);
            Assert.All(decisions, d => Assert.Equal(Remediator.Off, d.Outcome));
        }
        await File.WriteAllTextAsync(settings, """{"Remediation":{"Mode":"DryRun"}}""", Ct);
        await WaitForLog(host, "RemediationOptions reloaded", 2);
        using (await host.PostAlertsAsync(Alerts.Body(App, "f3", syncedAt.AddSeconds(7))))
        {
            await host.WaitForDecisionAsync(App, d => d.Outcome == Remediator.DryRun);
        }
        Assert.Empty(History.RemoteRollbackBranches());
        Assert.Empty(GitHub.Created);
    }

    private static Task WaitForLog(RemediationHost host, string text, int count) =>
        Eventually.WaitAsync(() => host.Logs.Lines.Count(l => l.Contains(text, StringComparison.Ordinal)) >= count, TimeSpan.FromSeconds(30), $"logged {count} time(s): {text}");

    [Fact]
    public async Task ABatchRefusedHalfWay_RecordsNothing_AndItsRetryRecordsEverySignalOnce()
    {
        var host = await Start();
        var startsAt = DateTimeOffset.UtcNow;
        var body = System.Text.Json.Nodes.JsonNode.Parse(Alerts.Body(App, "good", startsAt))!;
        var second = System.Text.Json.Nodes.JsonNode.Parse(Alerts.Body("billing", "refused", startsAt))!["alerts"]![0]!.DeepClone();
        body["alerts"]!.AsArray().Add(second);
        // Fault injection: the database refuses the batch's second signal (a check constraint), after it took the first.
        await using (var refuse = _schema!.Direct.CreateCommand($"ALTER TABLE {_schema.Table("signals")} ADD CONSTRAINT refuse_billing CHECK (application <> 'billing')"))
        {
            await refuse.ExecuteNonQueryAsync(Ct);
        }

        using (var refused = await host.PostAlertsAsync(body.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        }
        Assert.Empty(await host.Log.ActiveSignalsAsync(App, startsAt.AddMinutes(-1), startsAt.AddMinutes(1), Ct));

        await using (var allow = _schema.Direct.CreateCommand($"ALTER TABLE {_schema.Table("signals")} DROP CONSTRAINT refuse_billing"))
        {
            await allow.ExecuteNonQueryAsync(Ct);
        }
        using var retried = await host.PostAlertsAsync(body.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        using var result = JsonDocument.Parse(await retried.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, result.RootElement.GetProperty("recorded").GetInt32());
        Assert.Equal(0, result.RootElement.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task AnOpenRollbackPullRequest_BlocksAnother_AndAnOptedOutApplication_IsLeftAlone()
    {
        var (healthy, bad, syncedAt) = BadRollout();
        var existing = GitHub.OpenExisting("helix/rollback/shop/0123456789ab");
        var host = await Start();

        using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(5))))
        {
            var skipped = (await host.WaitForDecisionAsync(App, d => d.Outcome == Remediator.Skipped)).First(d => d.Outcome == Remediator.Skipped);
            Assert.Equal($"rollback pull request #{existing} (https://github.com/acme/gitops/pull/{existing}) is still open", skipped.Reason);
        }

        Argo.Set(App, "Degraded", [(healthy, syncedAt.AddHours(-2)), (bad, syncedAt)], AppPath, optedOut: true);
        using (await host.PostAlertsAsync(Alerts.Body(App, "f2", syncedAt.AddSeconds(6))))
        {
            await host.WaitForDecisionAsync(App, d => d.Reason == "the application is annotated helix.io/auto-rollback: \"false\"");
        }
        Assert.Empty(GitHub.Created);
        Assert.Empty(History.RemoteRollbackBranches());
    }

    [Fact]
    public async Task AfterAFailedSync_TheNotificationRollsBackToTheLastDeployedRevision()
    {
        var healthy = History.Commit("shop 1.0", (Values, "image: shop:1.0\n"));
        var broken = History.Commit("shop 2.0 with a bad manifest", (Values, "image: shop:2.0\n"), ("gitops/apps/shop/base/extra.yaml", "kind: Nope\n"));
        var failedAt = DateTimeOffset.UtcNow.AddSeconds(-20);
        Argo.Set(App, "Healthy", [(healthy, DateTimeOffset.UtcNow.AddHours(-3))], AppPath, operationPhase: "Failed", operationRevision: broken, finishedAt: failedAt);
        var host = await Start();

        using (await host.PostArgoAsync(Alerts.Argo(App, "on-sync-failed", broken, failedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture), health: "Healthy",
            phase: "Failed")))
        {
            var acted = (await host.WaitForDecisionAsync(App, d => d.Outcome == DecisionLog.Acted)).First(d => d.Outcome == DecisionLog.Acted);
            Assert.Equal((healthy, broken), (acted.Healthy, acted.Bad));
        }
        var branch = RollbackRepository.BranchName(App, broken);
        Assert.Equal("image: shop:1.0\n", History.RemoteFile(branch, Values));
        Assert.Contains("last sync operation **Failed**", JsonDocument.Parse(Assert.Single(GitHub.Created).Body).RootElement.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoMerge_IsAskedFor_AndTheHostsRefusalIsRecorded()
    {
        var (_, _, syncedAt) = BadRollout();
        GitHub.AutoMergeAllowed = false;
        var host = await Start(new Dictionary<string, string?> { ["Remediation:AutoMerge"] = "true" });

        using (await host.PostAlertsAsync(Alerts.Body(App, "f1", syncedAt.AddSeconds(5))))
        {
            var acted = (await host.WaitForDecisionAsync(App, d => d.Outcome == DecisionLog.Acted)).First(d => d.Outcome == DecisionLog.Acted);
            Assert.EndsWith("auto-merge not enabled: Pull request Auto merge is not allowed for this repository", acted.Reason, StringComparison.Ordinal);
        }
        var mutation = Assert.Single(GitHub.Requests, r => r.Path == "/api/graphql");
        Assert.Contains("enablePullRequestAutoMerge(input: {pullRequestId: \\\"PR_kw1\\\", mergeMethod: SQUASH})", mutation.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequests_AreRefusedWithTheRightStatusAndReason_AndRecordNothing()
    {
        var (_, _, syncedAt) = BadRollout();
        var host = await Start(new Dictionary<string, string?> { ["Signals:MaxBodyBytes"] = "4096" });
        var alert = Alerts.Body(App, "f1", syncedAt.AddSeconds(5));

        async Task Refused(Task<HttpResponseMessage> send, HttpStatusCode status, string reason)
        {
            using var response = await send;
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        await Refused(host.PostAlertsAsync(alert, token: null), HttpStatusCode.Unauthorized, "a valid bearer token is required");
        await Refused(host.PostAlertsAsync(alert, token: "wrong"), HttpStatusCode.Unauthorized, "a valid bearer token is required");
        await Refused(host.PostAlertsAsync(alert, token: RemediationHost.ArgoNotificationsToken), HttpStatusCode.Unauthorized, "bearer"); // each sender has its own token
        await Refused(host.PostAsync("/v1/signals/alertmanager", alert, RemediationHost.AlertmanagerToken, "text/plain"), HttpStatusCode.UnsupportedMediaType, "application/json");
        await Refused(host.PostAlertsAsync("{\"version\":\"4\",\"alerts\":[]}"), HttpStatusCode.BadRequest, "groupKey is missing");
        await Refused(host.PostAlertsAsync("{not json"), HttpStatusCode.BadRequest, "not JSON");
        await Refused(host.PostAlertsAsync(alert.Replace("ShopErrors", new string('x', 5000), StringComparison.Ordinal)), HttpStatusCode.RequestEntityTooLarge, "larger than 4096 bytes");
        await Refused(host.PostArgoAsync(Alerts.Argo(App, "on-sync-running", "abc", "x")), HttpStatusCode.BadRequest, "trigger must be one of");
        await Refused(host.PostArgoAsync(Alerts.Argo(App, "on-health-degraded", "abc", "x"), token: RemediationHost.AlertmanagerToken), HttpStatusCode.Unauthorized, "bearer");
        // Text the decision log (PostgreSQL) cannot keep is refused whole, before anything is recorded: never a 500, never a 503 for ever.
        await Refused(host.PostAlertsAsync(alert.Replace("\"severity\"", "\"sev\\u0000erity\"", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "holds a NUL character");
        await Refused(host.PostAlertsAsync(alert.Replace("ShopErrors", "Shop\\ud800Errors", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "is not Unicode text");
        await Refused(host.PostArgoAsync(Alerts.Argo(App + "\u0000", "on-health-degraded", "abc", "x")), HttpStatusCode.BadRequest, "holds a NUL character");
        using (var badLimit = await host.Client.GetAsync(new Uri("/v1/decisions?limit=0", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        }

        Assert.Empty(await host.Log.ActiveSignalsAsync(App, DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), Ct));
        Assert.Empty(await host.Log.ListAsync(null, null, 10, Ct));
        Assert.Equal(0, Argo.Requests);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        _history?.Dispose();
        if (_argo is not null)
        {
            await _argo.DisposeAsync();
        }
        if (_github is not null)
        {
            await _github.DisposeAsync();
        }
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
        _repo.Dispose();
        foreach (var file in _scratch.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            file.Attributes = FileAttributes.Normal;
        }
        _scratch.Delete(recursive: true);
    }
}
