using System.Text.Json;
using Helix.Remediation.Decisions;
using Helix.Remediation.Tests.Support;
using Helix.Testing;

namespace Helix.Remediation.Tests;

/// <summary>The decision log on the harness's PostgreSQL, used through PgBouncer in transaction mode as in the cluster.</summary>
[Collection(PostgresDependency.Name)]
public sealed class DecisionLogTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly JsonElement Payload = JsonDocument.Parse("""{"status":"firing"}""").RootElement;

    private static Signal Alert(string key, DateTimeOffset at, string app = "shop") => new("alertmanager", key, app, at, at, Payload);

    [Fact]
    public async Task Migrations_RunOnce_AndAgainChangeNothing()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await DecisionLog.MigrateAsync(schema.Direct, schema.Name, Ct);
        await DecisionLog.MigrateAsync(schema.Direct, schema.Name, Ct);
        await using var count = schema.Direct.CreateCommand($"SELECT count(*) FROM {schema.Table("schema_migrations")}");
        Assert.Equal(1L, await count.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task AnAlertWithAGroupKeyOfManyLabels_IsRecordedOnce_UnderAKeyTheIndexTakes()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await DecisionLog.MigrateAsync(schema.Direct, schema.Name, Ct);
        var log = new DecisionLog(schema.Pooled, schema.Name);
        var at = DateTimeOffset.UtcNow;
        // 8 KB of group labels: more than a PostgreSQL index row holds.
        var body = System.Text.Encoding.UTF8.GetBytes(Alerts.Body("shop", "f1", at, groupKey: "{}:{" + string.Join(",", Enumerable.Range(0, 400).Select(i => $"label{i:000}=\"value{i}\"")) + "}"));

        var batch = Signals.AlertmanagerPayload.Parse(body, "helix_app", at);
        var signal = Assert.Single(batch.Signals);

        Assert.StartsWith("sha256:", signal.DedupeKey, StringComparison.Ordinal);
        Assert.True(await log.TryRecordAsync(signal, Ct));
        Assert.False(await log.TryRecordAsync(Assert.Single(Signals.AlertmanagerPayload.Parse(body, "helix_app", at).Signals), Ct)); // the same alert again
    }

    [Fact]
    public async Task ASignal_IsRecordedOnce_EvenWhenDeliveredManyTimesAtOnce()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await DecisionLog.MigrateAsync(schema.Direct, schema.Name, Ct);
        var log = new DecisionLog(schema.Pooled, schema.Name);
        var at = DateTimeOffset.UtcNow;

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => log.TryRecordAsync(Alert("g1:f1:t1", at), Ct)));

        Assert.Equal(1, results.Count(r => r));
        Assert.True(await log.TryRecordAsync(Alert("g1:f2:t1", at.AddSeconds(1)), Ct));
        Assert.True(await log.TryRecordAsync(Alert("g9:f9:t9", at, app: "billing"), Ct));
        var active = await log.ActiveSignalsAsync("shop", at.AddMinutes(-1), at.AddMinutes(1), Ct);
        Assert.Equal(["alertmanager:g1:f1:t1", "alertmanager:g1:f2:t1"], active.Select(s => s.Id));
        Assert.Equal("firing", active[0].Payload.GetProperty("status").GetString());
        Assert.Empty(await log.ActiveSignalsAsync("shop", at.AddMinutes(1), at.AddMinutes(2), Ct));
        Assert.Equal(["billing", "shop"], await log.ApplicationsWithSignalsSinceAsync(at.AddMinutes(-1), Ct));
    }

    [Fact]
    public async Task ResolvedSignals_AreNoLongerActive()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await DecisionLog.MigrateAsync(schema.Direct, schema.Name, Ct);
        var log = new DecisionLog(schema.Pooled, schema.Name);
        var at = DateTimeOffset.UtcNow;
        await log.TryRecordAsync(Alert("a", at), Ct);
        await log.TryRecordAsync(Alert("b", at), Ct);
        await log.TryRecordAsync(new Signal("argocd", "shop:on-health-degraded:x:-", "shop", at, at, Payload), Ct);

        Assert.Equal(1, await log.ResolveAsync("alertmanager", ["a", "unknown"], at, Ct));
        Assert.Equal(1, await log.ResolveApplicationAsync("argocd", "shop", at, Ct));

        Assert.Equal(["alertmanager:b"], (await log.ActiveSignalsAsync("shop", at.AddMinutes(-1), at.AddMinutes(1), Ct)).Select(s => s.Id));
    }

    [Fact]
    public async Task ALease_IsHeldByOneHolderAtATime_UntilReleasedOrExpired()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await DecisionLog.MigrateAsync(schema.Direct, schema.Name, Ct);
        var log = new DecisionLog(schema.Pooled, schema.Name);

        var taken = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => log.TryLeaseAsync("shop", $"replica-{i}", TimeSpan.FromMinutes(5), Ct)));
        Assert.Equal(1, taken.Count(t => t));
        var holder = $"replica-{Array.IndexOf(taken, true)}";
        Assert.True(await log.TryLeaseAsync("shop", holder, TimeSpan.FromMinutes(5), Ct)); // renewing
        Assert.True(await log.TryLeaseAsync("billing", "other", TimeSpan.FromMinutes(5), Ct)); // per application

        await log.ReleaseAsync("shop", holder, Ct);
        Assert.True(await log.TryLeaseAsync("shop", "other", TimeSpan.FromMilliseconds(1), Ct));
        await Task.Delay(20, Ct);
        Assert.True(await log.TryLeaseAsync("shop", "third", TimeSpan.FromMinutes(5), Ct)); // the expired one is taken over
    }

    [Fact]
    public async Task Decisions_AreKeptWithTheirReasonAndSignals_AndTheLastActedOneIsFound()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await DecisionLog.MigrateAsync(schema.Direct, schema.Name, Ct);
        var log = new DecisionLog(schema.Pooled, schema.Name);
        var now = DateTimeOffset.UtcNow;

        await log.RecordAsync(new Decision("shop", now.AddMinutes(-10), "waiting", "1 of 3 signals since the last sync"), Ct);
        var acted = await log.RecordAsync(new Decision("shop", now.AddMinutes(-5), DecisionLog.Acted, "opened", "aaa", "bbb", "helix/rollback/shop/bbb",
            "https://github.com/acme/gitops/pull/7", ["alertmanager:k1", "alertmanager:k2"]), Ct);
        await log.RecordAsync(new Decision("shop", now, "skipped", "cooldown: a rollback was opened 5 minutes ago"), Ct);

        var last = await log.LastActedAsync("shop", Ct);
        Assert.NotNull(last);
        Assert.Equal(acted, last.Id);
        Assert.Equal(["alertmanager:k1", "alertmanager:k2"], last.Signals);
        Assert.Equal("https://github.com/acme/gitops/pull/7", last.PullRequestUrl);
        Assert.Null(await log.LastActedAsync("billing", Ct));
        var all = await log.ListAsync("shop", null, 10, Ct);
        Assert.Equal(["skipped", DecisionLog.Acted, "waiting"], all.Select(d => d.Outcome));
        Assert.Null(all[0].Healthy);
        var page = await log.ListAsync(null, all[0].Id, 1, Ct);
        Assert.Equal(acted, Assert.Single(page).Id);
    }
}
