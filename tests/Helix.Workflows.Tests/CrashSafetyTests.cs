using System.Collections.Concurrent;
using Helix.Testing;
using Npgsql;

namespace Helix.Workflows.Tests;

public sealed record Batch
{
    public List<int> Items { get; init; } = [];

    public List<int> Done { get; init; } = [];
}

/// <summary>
/// A worker stopped at any point continues from the last checkpoint; a task that finished (and its
/// database writes) is never applied twice. Stops here are cancellations at chosen points; the
/// Orchestrator's tests kill real worker processes.
/// </summary>
[Collection(PostgresDependency.Name)]
public sealed class CrashSafetyTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Fans out one task per item; each inserts a row in the node's transaction, so row and completion commit together.</summary>
    private static IWorkflow FanOut(string effects, ConcurrentDictionary<int, int> calls, Func<int, CancellationToken, Task>? during = null) =>
        Workflow.Create<Batch>("batch")
            .Reduce(s => s.Done, Reducers.Append)
            .AddNode("plan", (_, _) => Task.FromResult(new Update<Batch>()))
            .AddEdge(Workflow.Start, "plan")
            .AddConditionalEdges("plan", state => state.Items.Select(i => Route.Send("work", i)))
            .AddNode("work", async (context, _) =>
            {
                var item = context.GetInput<int>();
                calls.AddOrUpdate(item, 1, (_, c) => c + 1);
                var transaction = await context.TransactionAsync();
                await using (var insert = new NpgsqlCommand($"INSERT INTO {effects} (run_id, item) VALUES ($1, $2)", transaction.Connection, transaction))
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = context.RunId });
                    insert.Parameters.Add(new NpgsqlParameter { Value = item });
                    await insert.ExecuteNonQueryAsync(context.CancellationToken);
                }
                if (during is not null)
                {
                    await during(item, context.CancellationToken);
                }
                return new Update<Batch>().Set(s => s.Done, [item]);
            }, new NodeOptions { Retry = RetryPolicy.None })
            .AddEdge("work", Workflow.End)
            .Build();

    [Fact]
    public async Task AWorkerStoppedMidStep_LeavesFinishedTasksDone_AndTheirRowsWrittenOnce()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var effects = schema.Table("effects");
        await using (var create = schema.Direct.CreateCommand($"CREATE TABLE {effects} (run_id uuid, item int, PRIMARY KEY (run_id, item))"))
        {
            await create.ExecuteNonQueryAsync(Ct);
        }
        var calls = new ConcurrentDictionary<int, int>();
        using var stop = new CancellationTokenSource();
        var slowItem = new TaskCompletionSource();
        // Item 7 hangs until the worker is stopped; the others finish and commit.
        var workflow = FanOut(effects, calls, async (item, cancellationToken) =>
        {
            if (item == 7 && calls[7] == 1)
            {
                slowItem.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken); // until the worker stops
            }
        });
        await using var engine = await Engine.StartAsync(postgres, [workflow], options: new RunnerOptions { Lease = TimeSpan.FromSeconds(1) });
        var (id, _) = await engine.Runner.CreateAsync("batch", System.Text.Json.JsonSerializer.SerializeToNode(new Batch { Items = [.. Enumerable.Range(0, 10)] }, Workflow.Json), null, Ct);

        var first = engine.Runner.RunAsync(id, stop.Token);
        await slowItem.Task;
        await WaitForRowsAsync(schema, effects, 9);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        // Another worker continues: only item 7 runs again.
        Assert.Equal(RunOutcome.Completed, await engine.OtherWorker().RunAsync(id, Ct));

        Assert.All(Enumerable.Range(0, 10).Where(i => i != 7), i => Assert.Equal(1, calls[i]));
        Assert.Equal(2, calls[7]);
        await using var count = schema.Direct.CreateCommand($"SELECT count(*), count(DISTINCT item) FROM {effects} WHERE run_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await count.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal((10L, 10L), (reader.GetInt64(0), reader.GetInt64(1)));
        var done = (await engine.Store.GetAsync(id, Ct))!.Output!["done"]!.AsArray().Select(n => n!.GetValue<int>());
        Assert.Equal(Enumerable.Range(0, 10), done); // in task order, whatever order they finished in
    }

    [Fact]
    public async Task ANodeThatFailsAfterItsWrite_LeavesNoRow_AndItsRetryWritesOne()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var effects = schema.Table("effects");
        await using (var create = schema.Direct.CreateCommand($"CREATE TABLE {effects} (run_id uuid, item int)"))
        {
            await create.ExecuteNonQueryAsync(Ct);
        }
        var calls = new ConcurrentDictionary<int, int>();
        var sql = Workflow.Create<Batch>("sql")
            .AddNode("write", async (context, _) =>
            {
                var transaction = await context.TransactionAsync();
                await using (var insert = new NpgsqlCommand($"INSERT INTO {effects} (run_id, item) VALUES ($1, 1)", transaction.Connection, transaction))
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = context.RunId });
                    await insert.ExecuteNonQueryAsync(context.CancellationToken);
                }
                return calls.AddOrUpdate(1, 1, (_, c) => c + 1) == 1 ? throw new TimeoutException("the connection dropped after the insert") : new Update<Batch>();
            }, new NodeOptions { Retry = RetryPolicy.Default with { InitialBackoff = TimeSpan.FromMilliseconds(1) } })
            .AddEdge(Workflow.Start, "write")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [sql]);

        var (id, outcome) = await engine.RunAsync("sql");

        Assert.Equal(RunOutcome.Completed, outcome);
        await using var count = schema.Direct.CreateCommand($"SELECT count(*) FROM {effects} WHERE run_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = id });
        Assert.Equal(1L, await count.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task ATaskSavedFirstByAnotherWorker_IsTakenFromItsRow_AndEveryEffectStaysOnce()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var effects = schema.Table("effects");
        await using (var create = schema.Direct.CreateCommand($"CREATE TABLE {effects} (run_id uuid, item int)"))
        {
            await create.ExecuteNonQueryAsync(Ct);
        }
        var calls = new ConcurrentDictionary<int, int>();
        var waiting = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var workflow = FanOut(effects, calls, async (item, cancellationToken) =>
        {
            if (item == 2)
            {
                waiting.TrySetResult();
                await release.Task.WaitAsync(cancellationToken);
            }
        });
        await using var engine = await Engine.StartAsync(postgres, [workflow]);
        var (id, _) = await engine.Runner.CreateAsync("batch", System.Text.Json.JsonSerializer.SerializeToNode(new Batch { Items = [1, 2] }, Workflow.Json), null, Ct);

        var running = engine.Runner.RunAsync(id, Ct);
        await waiting.Task;
        // A worker that lost its lease without knowing it saves item 2 first, with its effect row
        // (and a result of its own, 20, to tell whose result the run goes on with).
        var item2 = Assert.Single((await engine.Store.NextTasksAtAsync(id, 1, Ct))!, t => t.Input!.GetValue<int>() == 2);
        await using (var connection = await engine.Store.DataSource.OpenConnectionAsync(Ct))
        {
            var transaction = await connection.BeginTransactionAsync(Ct);
            await using (var insert = new NpgsqlCommand($"INSERT INTO {effects} (run_id, item) VALUES ($1, 2)", connection, transaction))
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = id });
                await insert.ExecuteNonQueryAsync(Ct);
            }
            Assert.True(await engine.Store.SaveTaskAsync(id, 2, item2, [new("done", new System.Text.Json.Nodes.JsonArray(20))], transaction, Ct));
        }
        release.SetResult();

        Assert.Equal(RunOutcome.Completed, await running.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal((1, 1), (calls[1], calls[2])); // nothing ran again: item 1 was saved, item 2 taken from the other's row
        await using var count = schema.Direct.CreateCommand($"SELECT count(*), count(DISTINCT item) FROM {effects} WHERE run_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await count.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal((2L, 2L), (reader.GetInt64(0), reader.GetInt64(1))); // this worker's item-2 row rolled back with its save
        Assert.Equal([1, 20], (await engine.Store.GetAsync(id, Ct))!.Output!["done"]!.AsArray().Select(n => n!.GetValue<int>())); // the saved row is the result
    }

    [Fact]
    public async Task ARunWhoseWorkerVanished_IsTakenOverWhenItsLeaseRunsOut()
    {
        var calls = new ConcurrentDictionary<int, int>();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var effects = schema.Table("effects");
        await using (var create = schema.Direct.CreateCommand($"CREATE TABLE {effects} (run_id uuid, item int)"))
        {
            await create.ExecuteNonQueryAsync(Ct);
        }
        await using var engine = await Engine.StartAsync(postgres, [FanOut(effects, calls)], options: new RunnerOptions { Lease = TimeSpan.FromMilliseconds(600) });
        var (id, _) = await engine.Runner.CreateAsync("batch", System.Text.Json.JsonSerializer.SerializeToNode(new Batch { Items = [1, 2] }, Workflow.Json), null, Ct);
        // A worker claimed it and died before doing anything (its lease stays behind).
        Assert.NotNull(await engine.Store.ClaimAsync(id, "dead-worker", TimeSpan.FromMilliseconds(600), Ct));

        Assert.Equal(RunOutcome.NotClaimed, await engine.Runner.RunAsync(id, Ct));
        Assert.Contains(id, await WaitForOrphanAsync(engine.Store));
        Assert.Equal(RunOutcome.Completed, await engine.Runner.RunAsync(id, Ct));
    }

    private static async Task<IReadOnlyList<Guid>> WaitForOrphanAsync(RunStore store)
    {
        for (var i = 0; i < 50; i++)
        {
            var orphans = await store.OrphansAsync(10, Ct);
            if (orphans.Count > 0)
            {
                return orphans;
            }
            await Task.Delay(100, Ct);
        }
        return [];
    }

    private static async Task WaitForRowsAsync(PostgresSchema schema, string table, long rows)
    {
        for (var i = 0; i < 100; i++)
        {
            await using var count = schema.Direct.CreateCommand($"SELECT count(*) FROM {table}");
            if ((long)(await count.ExecuteScalarAsync(Ct))! >= rows)
            {
                return;
            }
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException($"{table} never reached {rows} rows");
    }
}
