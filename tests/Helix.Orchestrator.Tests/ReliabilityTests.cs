using Helix.Events;
using Helix.Testing;
using Helix.Workflows;

namespace Helix.Orchestrator.Tests;

/// <summary>Crash safety against real processes: the worker SIGKILLed over and over, the pooler killed mid-run.</summary>
[Collection(ServiceDependency.Name)]
public sealed class ReliabilityTests(PostgresFixture postgres, NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KillingTheWorkerRepeatedly_With500RunsInFlight_EveryRunFinishes_AndEveryStepWritesOnce()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var worker = await StartWorkerAsync(scope, schema, maxDeliveries: 50);

        const int Runs = 500;
        const int Steps = 8;
        for (var i = 0; i < Runs; i++)
        {
            await OrchestratorHost.PublishAsync(scope, "acme", "smoke", $"kill-{i}", new { steps = Steps });
        }
        // Kill it five times while runs are in flight, each time starting it again.
        var store = new RunStore(schema.Pooled, schema.Name);
        var finishedAtKills = new List<int>();
        for (var kill = 0; kill < 5; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(700), Ct);
            await worker.KillAsync();
            finishedAtKills.Add((await store.ListAsync(new RunQuery { Status = RunStatus.Completed, Limit = 1000 }, Ct)).Count);
            await worker.StartAsync();
        }
        Assert.True(finishedAtKills[0] < Runs, "the first kill came after every run had finished: the test proved nothing");
        IReadOnlyList<RunView> runs = [];
        for (var i = 0; i < 1200 && runs.Count(r => r.Status == RunStatus.Completed) < Runs; i++)
        {
            await Task.Delay(100, Ct);
            runs = await store.ListAsync(new RunQuery { Limit = 1000 }, Ct);
        }
        Assert.True(runs.Count(r => r.Status == RunStatus.Completed) == Runs,
            $"{string.Join(", ", runs.GroupBy(r => r.Status).Select(g => $"{g.Key}={g.Count()}"))}\n{string.Join("\n", worker.Output.TakeLast(10))}");
        Assert.Equal(Runs, runs.Count);

        await using var effects = schema.Direct.CreateCommand($"""
            SELECT count(*), count(DISTINCT (run_id, step)), (SELECT count(*) FROM (SELECT 1 FROM {schema.Table("smoke_effects")} GROUP BY run_id, step HAVING count(*) > 1) d)
            FROM {schema.Table("smoke_effects")}
            """);
        await using var reader = await effects.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal(0L, reader.GetInt64(2)); // no (run, step) written twice
        Assert.Equal((long)Runs * Steps, reader.GetInt64(1)); // and none missing
        Assert.Equal((long)Runs * Steps, reader.GetInt64(0));
    }

    [Fact]
    public async Task KillingThePoolerMidRun_PausesRuns_WhichThenFinish_WithoutDuplicates()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var bouncer = await DedicatedPgBouncer.StartAsync();
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = bouncer.ConnectionString,
            ["Orchestrator:Lease"] = "00:00:02",
            ["Orchestrator:RedeliveryDelay"] = "00:00:00.200",
            ["Orchestrator:MaxDeliveries"] = "50",
        });
        const int Runs = 40;
        const int Steps = 40;
        for (var i = 0; i < Runs; i++)
        {
            await OrchestratorHost.PublishAsync(scope, "acme", "smoke", $"bounce-{i}", new { steps = Steps });
        }
        await host.WaitForRunsAsync(r => r.Sum(x => x.Step) > Runs * Steps / 4);

        await bouncer.KillAsync();
        Assert.NotEqual(Runs, (await new RunStore(schema.Pooled, schema.Name).ListAsync(new RunQuery { Status = RunStatus.Completed }, Ct)).Count);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await bouncer.StartAgainAsync();

        await host.WaitForRunsAsync(r => r.Count == Runs && r.All(x => x.Status == RunStatus.Completed), seconds: 120);
        await using var effects = schema.Direct.CreateCommand($"SELECT count(*), count(DISTINCT (run_id, step)) FROM {schema.Table("smoke_effects")}");
        await using var reader = await effects.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal(((long)Runs * Steps, (long)Runs * Steps), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task ADatabaseOutage_WithTheWorkerKilledAtItsLastDeliveries_EndsEveryEventAsARunOrADeadLetter()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var bouncer = await DedicatedPgBouncer.StartAsync();
        await using var worker = await StartWorkerAsync(scope, schema, maxDeliveries: 4, bouncer.ConnectionString);

        // The pooler goes away and events keep coming: each delivery fails on the database, the
        // budget of four runs out, and the worker is killed again and again meanwhile, so that
        // deliveries, the last ones included, end without any outcome.
        await bouncer.KillAsync();
        const int Events = 120;
        for (var i = 0; i < Events; i++)
        {
            await OrchestratorHost.PublishAsync(scope, "acme", "smoke", $"outage-{i}", new { steps = 3 });
            if (i % 30 == 29)
            {
                await worker.KillAsync();
                await worker.StartAsync("/healthz"); // not ready: the database is away
            }
        }
        for (var kill = 0; kill < 3; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(900), Ct);
            await worker.KillAsync();
            await worker.StartAsync("/healthz");
        }
        await bouncer.StartAgainAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        await worker.KillAsync();
        await worker.StartAsync();

        try
        {
            await OrchestratorHost.WaitUntilAcknowledgedAsync(scope, seconds: 120);
        }
        catch (TimeoutException e)
        {
            // What the worker said last is what tells a hung handler from a lost delivery.
            throw new TimeoutException($"{e.Message}\n{string.Join("\n", worker.Output.TakeLast(20))}", e);
        }
        var runs = await new RunStore(schema.Pooled, schema.Name).ListAsync(new RunQuery { Limit = 1000 }, Ct);
        var letters = (await OrchestratorHost.DeadLettersAsync(scope)).Select(l => l.Headers![EventHeaders.DeliveryId].ToString()).ToList();
        Assert.Equal(letters.Count, letters.Distinct(StringComparer.Ordinal).Count()); // no event dead-lettered twice
        var lost = Enumerable.Range(0, Events).Select(i => $"outage-{i}")
            .Where(id => !letters.Contains(id) && !runs.Any(r => r.SourceKey == $"acme:{id}")).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} events ended as neither a run nor a dead letter: {string.Join(", ", lost.Take(10))}\n{string.Join("\n", worker.Output.TakeLast(10))}");
        Assert.NotEmpty(letters); // the outage outlasted some events' budgets: the test reached the last delivery
        // A run that exists finished, or its event is in the dead letter with the reason.
        Assert.All(runs.Where(r => r.Status != RunStatus.Completed), r => Assert.Contains(r.SourceKey!["acme:".Length..], letters));
    }

    /// <summary>The service as a real process (so it can be SIGKILLed), short leases and redelivery delays, the receiver's stream created first.</summary>
    private static async Task<ServiceProcess> StartWorkerAsync(NatsTestScope scope, PostgresSchema schema, int maxDeliveries, string? pooler = null)
    {
        var environment = OrchestratorHost.Settings(scope, schema)
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        if (pooler is not null)
        {
            environment["Database__ConnectionString"] = pooler;
        }
        environment["Orchestrator__Lease"] = "00:00:02";
        environment["Orchestrator__AckWait"] = "00:00:05";
        environment["Orchestrator__RedeliveryDelay"] = "00:00:00.200";
        environment["Orchestrator__MaxDeliveries"] = maxDeliveries.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Logging__LogLevel__Default"] = "Warning";
        await OrchestratorHost.CreateEventsStreamAsync(scope);
        var worker = new ServiceProcess("Helix.Orchestrator.dll", environment);
        try
        {
            await worker.StartAsync();
            return worker;
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }
}
